package dev.runs.store.sqlite;

import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.RunStoreOptions;
import dev.runs.RunStores;
import dev.runs.testkit.RunStoreContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.function.UnaryOperator;

/** The SQLite store passes the whole conformance suite. */
final class SqliteRunStoreContractTest extends RunStoreContract {
  @Override
  protected RunStore newStore(Path dir, RunStoreOptions options) {
    try {
      Files.createDirectories(dir); // kits may name a second store's directory before it exists
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return RunStores.open("sqlite:" + dir.resolve("runs.db"), options);
  }

  /** Rewrites the envelope column of the event's row through a connection of its own. */
  @Override
  protected boolean tamper(RunId id, long sequence, UnaryOperator<String> edit) throws Exception {
    try (Connection c = Fixtures.raw(dir.resolve("runs.db"))) {
      return tamperRow(
          c,
          "SELECT envelope FROM events WHERE run_id = ? AND seq = ?",
          "UPDATE events SET envelope = ? WHERE run_id = ? AND seq = ?",
          id,
          sequence,
          edit);
    }
  }
}
