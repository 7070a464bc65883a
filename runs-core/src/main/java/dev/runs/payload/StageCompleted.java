package dev.runs.payload;

import dev.runs.EventPayload;
import dev.runs.EventType;
import dev.runs.EventTypes;
import dev.runs.StageManifest;
import java.util.Objects;

/**
 * {@code stage.completed}: a stage attempt's files and manifest were written ({@code
 * RunStore.writeStage}). Note that {@code attempt} here is a payload field, the stage attempt; it
 * is independent of the envelope's step attempt.
 *
 * @param stageKey the stage, e.g. {@code fetch}
 * @param attempt the stage attempt, at least 0 (stores number attempts from 1)
 * @param manifestSha256 sha256 of the attempt's {@code manifest.json} ({@link
 *     StageManifest#sha256()})
 */
public record StageCompleted(
    @NonBlank String stageKey, @NonNegative int attempt, @NonBlank String manifestSha256)
    implements EventPayload {

  /** Checks the components. */
  public StageCompleted {
    Objects.requireNonNull(stageKey, "stageKey");
    Objects.requireNonNull(manifestSha256, "manifestSha256");
    Checks.name(EventTypes.STAGE_COMPLETED, "stage_key", stageKey);
    Checks.nonNegative(EventTypes.STAGE_COMPLETED.name(), "attempt", attempt);
    Checks.name(EventTypes.STAGE_COMPLETED, "manifest_sha256", manifestSha256);
  }

  /**
   * @param stageKey the stage
   * @param attempt the stage attempt
   * @param manifestSha256 sha256 of the attempt's manifest
   * @return the payload
   */
  public static StageCompleted of(String stageKey, int attempt, String manifestSha256) {
    return new StageCompleted(stageKey, attempt, manifestSha256);
  }

  /**
   * Describes a written stage attempt.
   *
   * @param manifest the manifest {@code RunStore.writeStage} returned
   * @return the payload with its stage key, attempt and manifest hash
   */
  public static StageCompleted of(StageManifest manifest) {
    Objects.requireNonNull(manifest, "manifest");
    return new StageCompleted(manifest.stageKey(), manifest.attempt(), manifest.sha256());
  }

  /**
   * @return {@link EventTypes#STAGE_COMPLETED}
   */
  @Override
  public EventType type() {
    return EventTypes.STAGE_COMPLETED;
  }
}
