package dev.runs.store.sqlite;

import dev.runs.RunStore;
import dev.runs.RunStoreOptions;
import dev.runs.RunStores;
import dev.runs.testkit.RunStoreContract;
import java.nio.file.Path;

/** The SQLite store passes the whole conformance suite. */
final class SqliteRunStoreContractTest extends RunStoreContract {
  @Override
  protected RunStore newStore(Path dir, RunStoreOptions options) {
    return RunStores.open("sqlite:" + dir.resolve("runs.db"), options);
  }
}
