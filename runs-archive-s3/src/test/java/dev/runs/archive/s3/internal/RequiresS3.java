package dev.runs.archive.s3.internal;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a test class only when the S3 test server of {@code RUNS_S3_ENDPOINT} answers. When the
 * variable is not set: under {@code CI=true} the class fails; elsewhere it is skipped with the
 * reason, and one line on stderr says how to start the server. When it is set but the server does
 * not answer, the class fails: whoever set it meant the tests to run.
 */
final class RequiresS3 implements ExecutionCondition {
  private static final Object LOCK = new Object();
  private static boolean checked;
  private static String reason;
  private static boolean told;

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    String why;
    synchronized (LOCK) {
      if (!checked) {
        reason = S3TestServer.unreachableReason();
        checked = true;
      }
      why = reason;
    }
    if (why == null) {
      return ConditionEvaluationResult.enabled("S3 test server at " + S3TestServer.endpoint());
    }
    boolean set = S3TestServer.endpointOrNull() != null;
    if (set || "true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new IllegalStateException(
          "the S3 test server cannot be used ("
              + why
              + (set ? "" : ") and CI=true, so the S3 tests fail instead of skipping")
              + (set ? "); " : "; ")
              + S3TestServer.HOW);
    }
    String line = "S3 archive tests skipped: " + why + ". To run them, " + S3TestServer.HOW + ".";
    synchronized (LOCK) {
      if (!told) {
        System.err.println(line);
        told = true;
      }
    }
    return ConditionEvaluationResult.disabled(line);
  }
}
