package dev.runs.store.file;

import dev.runs.RunStore;
import dev.runs.RunStoreOptions;
import dev.runs.RunStores;
import dev.runs.testkit.OrchestratorContract;
import java.nio.file.Path;

/** The orchestrator passes its whole contract on the file store. */
final class FileOrchestratorContractTest extends OrchestratorContract {
  @Override
  protected RunStore newStore(Path dir, RunStoreOptions options) {
    return RunStores.open("file:" + dir.resolve("runs"), options);
  }
}
