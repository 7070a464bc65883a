package dev.runs.store.file;

import dev.runs.RunStore;
import dev.runs.RunStoreOptions;
import dev.runs.RunStores;
import dev.runs.testkit.RunStoreContract;
import java.nio.file.Path;

/** The file store passes the whole conformance suite, at the default durability (fsync). */
final class FileRunStoreContractTest extends RunStoreContract {
  @Override
  protected RunStore newStore(Path dir, RunStoreOptions options) {
    return RunStores.open("file:" + dir, options);
  }
}
