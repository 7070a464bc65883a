package dev.runs.store.sqlite;

import dev.runs.RunStore;
import dev.runs.RunStoreOptions;
import dev.runs.RunStores;
import dev.runs.testkit.OrchestratorContract;
import java.nio.file.Path;

/** The orchestrator passes its whole contract on the SQLite store. */
final class SqliteOrchestratorContractTest extends OrchestratorContract {
  @Override
  protected RunStore newStore(Path dir, RunStoreOptions options) {
    return RunStores.open("sqlite:" + dir.resolve("runs.db"), options);
  }
}
