package dev.runs.payload;

import dev.runs.EventPayload;
import dev.runs.EventType;
import dev.runs.EventTypes;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code phase.started}: a phase (a group of steps, e.g. {@code build} or {@code plan}) began. The
 * draft needs the envelope {@code step_id}, the phase's path: {@code
 * EventDraft.of(PhaseStarted.of("Build")).withStep("build")}.
 *
 * @param name a display name for the phase
 */
@Envelope(stepId = true)
public record PhaseStarted(Optional<String> name) implements EventPayload {

  /** Checks the components. */
  public PhaseStarted {
    Objects.requireNonNull(name, "name");
  }

  /**
   * @return a payload without a display name
   */
  public static PhaseStarted of() {
    return new PhaseStarted(Optional.empty());
  }

  /**
   * @param name a display name for the phase
   * @return the payload
   */
  public static PhaseStarted of(String name) {
    return new PhaseStarted(Checks.present(name, "name"));
  }

  /**
   * @return {@link EventTypes#PHASE_STARTED}
   */
  @Override
  public EventType type() {
    return EventTypes.PHASE_STARTED;
  }
}
