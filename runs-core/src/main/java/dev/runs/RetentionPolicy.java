package dev.runs;

import java.time.Duration;
import java.util.Objects;

/**
 * Which runs a {@link RunArchiver} sweep moves to the archive: terminal runs whose last event is
 * older than {@code keepFor}, among those a selection selects (a namespace, a label...).
 *
 * <pre>{@code
 * RetentionPolicy.keepFor(Duration.ofDays(7))                         // every run
 * RetentionPolicy.keepFor(Duration.ofDays(1)).within(RunSelection.of(
 *     RunQuery.builder().namespace("ci").build()))                    // one namespace
 * }</pre>
 *
 * @param keepFor how long a run stays whole in the store after its last event
 * @param selection which runs the policy covers
 */
public record RetentionPolicy(Duration keepFor, RunSelection selection) {
  /** Validates the components. */
  public RetentionPolicy {
    Objects.requireNonNull(keepFor, "keepFor");
    Objects.requireNonNull(selection, "selection");
    if (keepFor.isNegative()) {
      throw new ValidationException("keepFor", "must not be negative but was " + keepFor);
    }
  }

  /**
   * @param keepFor how long runs stay whole after their last event
   * @return a policy over every run
   */
  public static RetentionPolicy keepFor(Duration keepFor) {
    return new RetentionPolicy(keepFor, RunSelection.all());
  }

  /**
   * @param value which runs the policy covers
   * @return this policy narrowed to them
   */
  public RetentionPolicy within(RunSelection value) {
    return new RetentionPolicy(keepFor, value);
  }
}
