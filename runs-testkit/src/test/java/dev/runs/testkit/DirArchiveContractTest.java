package dev.runs.testkit;

import dev.runs.ArchiveStore;
import dev.runs.ArchiveStores;
import java.nio.file.Path;

/** The {@code dir:} archive passes the archive conformance suite. */
final class DirArchiveContractTest extends ArchiveContract {
  @Override
  protected ArchiveStore newArchive(Path tempDir) {
    return ArchiveStores.open("dir:" + tempDir.resolve("archive"));
  }
}
