package dev.runs.archive.s3.internal;

import dev.runs.ArchiveStore;
import dev.runs.ArchiveStores;
import dev.runs.testkit.ArchiveContract;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The {@code s3:} archive passes the archive conformance suite against the S3 test server, opened
 * by URI through {@link ArchiveStores}. Each test has a prefix of its own in the test bucket.
 */
@ExtendWith(RequiresS3.class)
final class S3ArchiveContractIT extends ArchiveContract {
  private final String prefix = S3TestServer.newPrefix("contract");

  @Override
  protected ArchiveStore newArchive(Path tempDir) {
    return ArchiveStores.open(S3TestServer.uri(prefix));
  }

  @Override
  protected List<String> secrets() {
    return List.of(S3TestServer.SECRET, "secret_access_key", "access_key_id");
  }
}
