package dev.runs;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a replay starts executing: outputs of the steps the source run completed before that point
 * are reused, everything from there on runs again.
 *
 * <ul>
 *   <li>{@link #start()}: nothing is reused;
 *   <li>{@link #step(String)}: reuse the steps completed before that step first started;
 *   <li>{@link #checkpoint(String)}: reuse the steps completed before that {@code
 *       checkpoint.saved}.
 * </ul>
 *
 * @param kind which kind of point
 * @param id the step path or checkpoint id; empty for the start
 */
public record ReplayPoint(Kind kind, Optional<String> id) {

  /** Kinds of replay points. */
  public enum Kind {
    /** The beginning of the run. */
    START,
    /** The first start of a step. */
    STEP,
    /** A {@code checkpoint.saved} event. */
    CHECKPOINT
  }

  private static final ReplayPoint START_POINT = new ReplayPoint(Kind.START, Optional.empty());

  /**
   * Validates the point.
   *
   * @throws ValidationException when a step or checkpoint point has no id, or the start has one
   */
  public ReplayPoint {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(id, "id");
    if (kind == Kind.START && id.isPresent()) {
      throw new ValidationException("replay_point", "the start takes no id");
    }
    if (kind != Kind.START && (id.isEmpty() || id.get().isBlank())) {
      throw new ValidationException(
          "replay_point", kind.name().toLowerCase(Locale.ROOT) + " needs a non-blank id");
    }
  }

  /**
   * @return the beginning of the run
   */
  public static ReplayPoint start() {
    return START_POINT;
  }

  /**
   * @param stepId the step path, e.g. {@code build/compile}
   * @return the point where that step first started
   */
  public static ReplayPoint step(String stepId) {
    return new ReplayPoint(Kind.STEP, Optional.of(Objects.requireNonNull(stepId, "stepId")));
  }

  /**
   * @param checkpointId a checkpoint id of the source run
   * @return the point of that checkpoint
   */
  public static ReplayPoint checkpoint(String checkpointId) {
    return new ReplayPoint(
        Kind.CHECKPOINT, Optional.of(Objects.requireNonNull(checkpointId, "checkpointId")));
  }

  /**
   * Parses {@link #label()}.
   *
   * @param label {@code start}, {@code step:<id>} or {@code checkpoint:<id>}
   * @return the point
   * @throws ValidationException for any other text
   */
  public static ReplayPoint parse(String label) {
    Objects.requireNonNull(label, "label");
    if (label.equals("start")) {
      return start();
    }
    if (label.startsWith("step:")) {
      return step(label.substring(5));
    }
    if (label.startsWith("checkpoint:")) {
      return checkpoint(label.substring(11));
    }
    throw new ValidationException(
        "replay_point",
        "'" + label + "' must be start, step:<step id> or checkpoint:<checkpoint id>");
  }

  /**
   * @return {@code start}, {@code step:<id>} or {@code checkpoint:<id>}; recorded as the replay's
   *     {@link Lineage#sourceCheckpoint()}
   */
  public String label() {
    return switch (kind) {
      case START -> "start";
      case STEP -> "step:" + id.get();
      case CHECKPOINT -> "checkpoint:" + id.get();
    };
  }

  @Override
  public String toString() {
    return label();
  }
}
