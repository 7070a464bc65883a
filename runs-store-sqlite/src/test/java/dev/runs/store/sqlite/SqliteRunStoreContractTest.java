package dev.runs.store.sqlite;

import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.RunStoreOptions;
import dev.runs.RunStores;
import dev.runs.testkit.RunStoreContract;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.function.UnaryOperator;

/** The SQLite store passes the whole conformance suite. */
final class SqliteRunStoreContractTest extends RunStoreContract {
  @Override
  protected RunStore newStore(Path dir, RunStoreOptions options) {
    return RunStores.open("sqlite:" + dir.resolve("runs.db"), options);
  }

  /** Rewrites the envelope column of the event's row through a connection of its own. */
  @Override
  protected boolean tamper(RunId id, long sequence, UnaryOperator<String> edit) throws Exception {
    try (Connection c = Fixtures.raw(dir.resolve("runs.db"));
        PreparedStatement select =
            c.prepareStatement("SELECT envelope FROM events WHERE run_id = ? AND seq = ?");
        PreparedStatement update =
            c.prepareStatement("UPDATE events SET envelope = ? WHERE run_id = ? AND seq = ?")) {
      select.setString(1, id.value());
      select.setLong(2, sequence);
      String line;
      try (ResultSet rs = select.executeQuery()) {
        if (!rs.next()) {
          throw new IllegalStateException("run " + id + " has no sequence " + sequence);
        }
        line = rs.getString(1);
      }
      update.setString(1, edit.apply(line));
      update.setString(2, id.value());
      update.setLong(3, sequence);
      return update.executeUpdate() == 1;
    }
  }
}
