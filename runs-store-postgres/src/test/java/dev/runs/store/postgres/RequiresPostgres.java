package dev.runs.store.postgres;

import dev.runs.spi.StoreLocation;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a test class only when the PostgreSQL server of {@code RUNS_PG_URL} answers. When it does
 * not: under {@code CI=true} the class fails; elsewhere it is skipped (reported as skipped with the
 * reason), and one line on stderr says how to enable the tests.
 */
final class RequiresPostgres implements ExecutionCondition {
  private static final Object LOCK = new Object();
  private static boolean checked;
  private static String reason;
  private static boolean told;

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    String why;
    synchronized (LOCK) {
      if (!checked) {
        reason = PgTestDatabase.unreachableReason();
        checked = true;
      }
      why = reason;
    }
    if (why == null) {
      return ConditionEvaluationResult.enabled("PostgreSQL answers at " + where());
    }
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new IllegalStateException(
          "PostgreSQL at "
              + where()
              + " is unreachable ("
              + why
              + ") and CI=true, so the PostgreSQL tests fail instead of skipping; start the server"
              + " (pg_ctlcluster --skip-systemctl-redirect <version> main start) or set"
              + " RUNS_PG_URL");
    }
    String line =
        "PostgreSQL tests skipped: "
            + where()
            + " is unreachable ("
            + why
            + "). To run"
            + " them, start PostgreSQL there or set RUNS_PG_URL=postgres://user@host:5432/db"
            + " (under CI=true they fail instead).";
    synchronized (LOCK) {
      if (!told) {
        System.err.println(line);
        told = true;
      }
    }
    return ConditionEvaluationResult.disabled(line);
  }

  private static String where() {
    return StoreLocation.redact(PgTestDatabase.URL);
  }
}
