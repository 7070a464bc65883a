package dev.runs.store.file;

import dev.runs.testkit.ArchiveSweepCrashContract;
import java.nio.file.Path;

/** A process archiving and restoring file-store runs, killed 20 times, never loses a run. */
final class FileArchiveCrashIT extends ArchiveSweepCrashContract {
  @Override
  protected String storeUri(Path dir) {
    return "file:" + dir.resolve("runs");
  }
}
