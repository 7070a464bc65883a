package dev.runs.store.sqlite;

import dev.runs.testkit.OrchestratorCrashContract;
import java.nio.file.Path;

/** A workflow killed mid-step on SQLite is recovered and resumed by another orchestrator. */
final class SqliteOrchestratorCrashIT extends OrchestratorCrashContract {
  @Override
  protected String storeUri(Path dir) {
    return "sqlite:" + dir.resolve("runs.db");
  }
}
