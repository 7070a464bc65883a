package dev.runs.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.ArchiveStore;
import dev.runs.ArchiveStores;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code dir:} archive passes the archive conformance suite. */
final class DirArchiveContractTest extends ArchiveContract {
  @Override
  protected ArchiveStore newArchive(Path tempDir) {
    return ArchiveStores.open("dir:" + tempDir.resolve("archive"));
  }

  @Test
  void delete_lastObjectsOfARun_removesTheEmptyDirectoriesButNotTheRoot(@TempDir Path dir)
      throws IOException {
    Path root = dir.resolve("archive");
    try (ArchiveStore archive = ArchiveStores.open("dir:" + root)) {
      byte[] b = "{}".getBytes(StandardCharsets.UTF_8);
      archive.put("ns/run-1/run.json", b);
      archive.put("ns/run-1/stages/001-plan/attempt-1/out.json", b);
      archive.put("ns/run-2/run.json", b);

      archive.delete("ns/run-1/stages/001-plan/attempt-1/out.json");
      assertThat(root.resolve("ns/run-1/stages")).doesNotExist();
      assertThat(root.resolve("ns/run-1/run.json")).exists();

      archive.delete("ns/run-1/run.json");
      assertThat(root.resolve("ns/run-1")).doesNotExist();
      assertThat(root.resolve("ns/run-2/run.json")).exists();

      archive.delete("ns/run-2/run.json");
      assertThat(root).isDirectory();
      try (Stream<Path> left = Files.list(root)) {
        assertThat(left).isEmpty();
      }

      archive.put("ns/run-1/run.json", b); // the pruned directories are created again
      assertThat(archive.list("ns/")).containsExactly("ns/run-1/run.json");
    }
  }
}
