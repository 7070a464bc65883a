package dev.runs.testkit;

import dev.runs.RunStore;
import dev.runs.RunStoreOptions;
import dev.runs.RunStores;
import java.nio.file.Path;

/** The memory store passes the whole conformance suite (less what needs durability). */
final class MemoryRunStoreContractTest extends RunStoreContract {
  @Override
  protected RunStore newStore(Path dir, RunStoreOptions options) {
    return RunStores.open("memory:", options);
  }

  @Override
  protected boolean isDurable() {
    return false;
  }
}
