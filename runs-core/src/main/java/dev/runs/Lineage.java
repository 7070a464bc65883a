package dev.runs;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a run came from when it was derived from another run.
 *
 * @param parentRunId the run it was derived from
 * @param relation how it was derived
 * @param sourceCheckpoint for a replay, the checkpoint id or step id it was replayed from
 * @param configDiff for a rerun, the changes from the parent's config (empty for a replay)
 */
public record Lineage(
    RunId parentRunId,
    Relation relation,
    Optional<String> sourceCheckpoint,
    ConfigDiff configDiff) {

  /** How a run was derived. */
  public enum Relation {
    /** Same config snapshot, recorded outputs reused up to a checkpoint. */
    REPLAY,
    /** Changed parameters, executed from the start. */
    RERUN;

    /**
     * @return the lowercase JSON name
     */
    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Validates the components. */
  public Lineage {
    Objects.requireNonNull(parentRunId, "parentRunId");
    Objects.requireNonNull(relation, "relation");
    Objects.requireNonNull(sourceCheckpoint, "sourceCheckpoint");
    Objects.requireNonNull(configDiff, "configDiff");
  }
}
