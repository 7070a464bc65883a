package dev.runs.payload;

import dev.runs.EventPayload;
import dev.runs.EventType;
import dev.runs.EventTypes;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code checkpoint.saved}: the run saved state it can be resumed or replayed from.
 *
 * @param checkpointId the checkpoint's id, unique within the run
 * @param stateSha256 sha256 of the saved state, to prove a replay starts from the same state
 * @param label a display label, e.g. {@code after planning}
 */
public record CheckpointSaved(
    @NonBlank String checkpointId, Optional<String> stateSha256, Optional<String> label)
    implements EventPayload {

  /** Checks the components. */
  public CheckpointSaved {
    Objects.requireNonNull(checkpointId, "checkpointId");
    Objects.requireNonNull(stateSha256, "stateSha256");
    Objects.requireNonNull(label, "label");
    Checks.name(EventTypes.CHECKPOINT_SAVED, "checkpoint_id", checkpointId);
  }

  /**
   * @param checkpointId the checkpoint's id
   * @return the payload, without hash or label
   */
  public static CheckpointSaved of(String checkpointId) {
    return new CheckpointSaved(checkpointId, Optional.empty(), Optional.empty());
  }

  /**
   * @param checkpointId the checkpoint's id
   * @param stateSha256 sha256 of the saved state
   * @return the payload, without label
   */
  public static CheckpointSaved of(String checkpointId, String stateSha256) {
    return new CheckpointSaved(
        checkpointId, Checks.present(stateSha256, "stateSha256"), Optional.empty());
  }

  /**
   * @return {@link EventTypes#CHECKPOINT_SAVED}
   */
  @Override
  public EventType type() {
    return EventTypes.CHECKPOINT_SAVED;
  }
}
