package dev.runs.payload;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.EventPayload;
import dev.runs.EventType;
import dev.runs.EventTypes;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * {@code step.completed}: an attempt of a step ended successfully. The draft needs the envelope
 * {@code step_id} and {@code attempt}:
 *
 * <pre>{@code
 * EventDraft.of(StepCompleted.builder().output(result).duration(elapsed).build())
 *     .withStep("plan/search").withAttempt(1);
 * }</pre>
 *
 * @param output free-form JSON the step produced, when small enough to inline; copied, never shared
 * @param outputSha256 sha256 (hex) of the output, e.g. of a stage file holding it
 * @param outputRef where the output lives, e.g. {@code stage:search/1/output.json} or a URI
 * @param durationMs how long the attempt took in whole milliseconds, at least 0
 * @param outputRedacted true when the store's redactor changed the output: the log does not hold
 *     what the step returned, so a resume or replay runs the step again instead of reusing it; the
 *     store sets it on append
 */
@Envelope(stepId = true, attempt = true)
public record StepCompleted(
    Optional<JsonNode> output,
    Optional<String> outputSha256,
    Optional<String> outputRef,
    @NonNegative OptionalLong durationMs,
    @CheckedWhenPresent Optional<Boolean> outputRedacted)
    implements EventPayload {

  /** Checks the components and copies the output. */
  public StepCompleted {
    Objects.requireNonNull(outputSha256, "outputSha256");
    Objects.requireNonNull(outputRef, "outputRef");
    Objects.requireNonNull(outputRedacted, "outputRedacted");
    output = Checks.json(EventTypes.STEP_COMPLETED.name(), "output", output);
    Checks.nonNegative(EventTypes.STEP_COMPLETED.name(), "duration_ms", durationMs);
  }

  /**
   * @return a payload with no fields
   */
  public static StepCompleted of() {
    return new StepCompleted(
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        OptionalLong.empty(),
        Optional.empty());
  }

  /**
   * @param output what the step produced
   * @return the payload, with only the output
   */
  public static StepCompleted of(JsonNode output) {
    return new StepCompleted(
        Checks.present(output, "output"),
        Optional.empty(),
        Optional.empty(),
        OptionalLong.empty(),
        Optional.empty());
  }

  /**
   * @return a builder with no field set
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * @return a copy of the output; changing it does not change this record
   */
  @Override
  public Optional<JsonNode> output() {
    return Checks.copy(output);
  }

  /**
   * @return {@link EventTypes#STEP_COMPLETED}
   */
  @Override
  public EventType type() {
    return EventTypes.STEP_COMPLETED;
  }

  /** Builds a {@link StepCompleted}; each setter checks its value at once. Not thread-safe. */
  public static final class Builder {
    private Optional<JsonNode> output = Optional.empty();
    private Optional<String> outputSha256 = Optional.empty();
    private Optional<String> outputRef = Optional.empty();
    private OptionalLong durationMs = OptionalLong.empty();
    private Optional<Boolean> outputRedacted = Optional.empty();

    private Builder() {}

    /**
     * @param value what the step produced; copied
     * @return this builder
     */
    public Builder output(JsonNode value) {
      this.output =
          Checks.json(EventTypes.STEP_COMPLETED.name(), "output", Checks.present(value, "output"));
      return this;
    }

    /**
     * @param value sha256 (hex) of the output
     * @return this builder
     */
    public Builder outputSha256(String value) {
      this.outputSha256 = Checks.present(value, "outputSha256");
      return this;
    }

    /**
     * @param value where the output lives
     * @return this builder
     */
    public Builder outputRef(String value) {
      this.outputRef = Checks.present(value, "outputRef");
      return this;
    }

    /**
     * @param millis how long the attempt took, at least 0
     * @return this builder
     */
    public Builder durationMs(long millis) {
      this.durationMs =
          OptionalLong.of(
              Checks.nonNegative(EventTypes.STEP_COMPLETED.name(), "duration_ms", millis));
      return this;
    }

    /**
     * @param duration how long the attempt took
     * @return this builder
     */
    public Builder duration(Duration duration) {
      return durationMs(Objects.requireNonNull(duration, "duration").toMillis());
    }

    /**
     * @param value whether the redactor changed the output (the store sets it on append)
     * @return this builder
     */
    public Builder outputRedacted(boolean value) {
      this.outputRedacted = Optional.of(value);
      return this;
    }

    /**
     * @return the payload
     */
    public StepCompleted build() {
      return new StepCompleted(output, outputSha256, outputRef, durationMs, outputRedacted);
    }
  }
}
