package dev.runs;

import java.util.Objects;

/**
 * What {@link RunStore#create(RunRecord)} did.
 *
 * @param record the stored record: the new one, or the existing run with the same trigger id
 * @param created true when this call created the run, false when it returned an existing one
 */
public record CreateResult(RunRecord record, boolean created) {
  /** Validates the components. */
  public CreateResult {
    Objects.requireNonNull(record, "record");
  }
}
