package dev.runs.store.sqlite;

import dev.runs.testkit.ArchiveSweepCrashContract;
import java.nio.file.Path;

/** A process archiving and restoring SQLite runs, killed 20 times, never loses a run. */
final class SqliteArchiveCrashIT extends ArchiveSweepCrashContract {
  @Override
  protected String storeUri(Path dir) {
    return "sqlite:" + dir.resolve("runs.db");
  }
}
