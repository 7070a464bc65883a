package dev.runs.testkit;

import dev.runs.RunStore;
import dev.runs.RunStoreOptions;
import dev.runs.RunStores;
import java.nio.file.Path;

/** The orchestrator passes its whole contract on the memory store. */
final class MemoryOrchestratorContractTest extends OrchestratorContract {
  @Override
  protected RunStore newStore(Path dir, RunStoreOptions options) {
    return RunStores.open("memory:", options);
  }
}
