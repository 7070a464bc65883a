package dev.runs.store.postgres;

import dev.runs.StoreIoException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.UnaryOperator;

/** SQLState handling: which failures are worth a retry, which leave a connection unusable. */
final class PgErrors {
  static final String UNIQUE_VIOLATION = "23505";
  static final String FOREIGN_KEY_VIOLATION = "23503";
  static final String SERIALIZATION_FAILURE = "40001";
  static final String DEADLOCK_DETECTED = "40P01";

  private PgErrors() {}

  /**
   * @return true for failures after which PostgreSQL rolled back and a retry may succeed
   */
  static boolean isRetryable(SQLException e) {
    String state = e.getSQLState();
    return SERIALIZATION_FAILURE.equals(state) || DEADLOCK_DETECTED.equals(state);
  }

  /**
   * @return true when the connection should not be reused
   */
  static boolean isBroken(Connection c, SQLException e) {
    String state = e.getSQLState();
    if (state == null
        || state.startsWith("08")
        || state.startsWith("57P")
        || state.startsWith("53")
        || state.startsWith("XX")) {
      return true;
    }
    try {
      return c.isClosed();
    } catch (SQLException ignored) {
      return true;
    }
  }

  /**
   * @param where the redacted location
   * @param what the operation, e.g. {@code append to run r1}
   * @param e the driver's exception
   * @param scrub removes credentials from the driver's message
   * @return a {@link StoreIoException} naming the store, the operation, the SQLState and a next
   *     step
   */
  static StoreIoException io(
      String where, String what, SQLException e, UnaryOperator<String> scrub) {
    String state = e.getSQLState();
    String hint;
    if (state == null || state.startsWith("08")) {
      hint =
          "; check that the PostgreSQL server is running and reachable at the URI's host and port";
    } else if (state.startsWith("28")) {
      hint = "; check the user name and password (or the server's pg_hba.conf)";
    } else if (state.equals("3D000")) {
      hint = "; create the database or fix its name in the URI";
    } else if (state.equals("42501")) {
      hint = "; grant the user the privileges on the store's schema";
    } else if (state.startsWith("57P") || state.startsWith("53")) {
      hint = "; the server is shutting down or out of resources, retry later";
    } else {
      hint = "";
    }
    return new StoreIoException(
        where
            + ": "
            + what
            + " failed: "
            + scrub.apply(e.getMessage())
            + " (SQLState "
            + state
            + ")"
            + hint,
        e);
  }
}
