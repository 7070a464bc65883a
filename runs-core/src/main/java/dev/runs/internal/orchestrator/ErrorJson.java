package dev.runs.internal.orchestrator;

import dev.runs.StepFailedException;
import dev.runs.WorkflowException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The {@code error} object the orchestrator writes into failure events: {@code message}, an
 * optional {@code code} and the exception's {@code type}. Stateless.
 *
 * <p>The typed {@link dev.runs.payload.ErrorInfo} has no {@code type} field, so events carrying
 * this object are still built from maps.
 */
final class ErrorJson {
  private ErrorJson() {}

  /**
   * @param t the failure
   * @param code the code to write, or {@code null} to take a {@link WorkflowException}'s code
   * @return a new mutable map: {@code message}, {@code code} when known, {@code type}
   */
  static Map<String, Object> of(Throwable t, @Nullable String code) {
    Map<String, Object> err = new LinkedHashMap<>();
    err.put("message", describe(t));
    if (code != null) {
      err.put("code", code);
    } else if (t instanceof WorkflowException we) {
      err.put("code", we.code());
    } else if (t instanceof StepFailedException sf
        && sf.getCause() instanceof WorkflowException we) {
      err.put("code", we.code());
    }
    err.put("type", t.getClass().getName());
    return err;
  }

  /**
   * @return the failure's message, or its simple class name when it has none
   */
  static String describe(Throwable t) {
    String m = t.getMessage();
    return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
  }
}
