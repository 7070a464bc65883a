package dev.runs.payload;

import dev.runs.EventPayload;
import dev.runs.EventType;
import dev.runs.EventTypes;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code phase.skipped}: a phase was not executed. The draft needs the envelope {@code step_id}
 * (set with {@code EventDraft.withStep}).
 *
 * @param reason why, e.g. {@code cached} or {@code disabled by config}
 */
@Envelope(stepId = true)
public record PhaseSkipped(Optional<String> reason) implements EventPayload {

  /** Checks the components. */
  public PhaseSkipped {
    Objects.requireNonNull(reason, "reason");
  }

  /**
   * @return a payload without a reason
   */
  public static PhaseSkipped of() {
    return new PhaseSkipped(Optional.empty());
  }

  /**
   * @param reason why the phase was skipped
   * @return the payload
   */
  public static PhaseSkipped of(String reason) {
    return new PhaseSkipped(Checks.present(reason, "reason"));
  }

  /**
   * @return {@link EventTypes#PHASE_SKIPPED}
   */
  @Override
  public EventType type() {
    return EventTypes.PHASE_SKIPPED;
  }
}
