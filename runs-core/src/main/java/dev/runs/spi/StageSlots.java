package dev.runs.spi;

import dev.runs.RunId;
import dev.runs.StageExistsException;
import dev.runs.StageManifest;
import dev.runs.StageWrite;
import java.time.Instant;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

/**
 * Numbers a stage write the way every store must: the stage's position among the run's stages and
 * the attempt's number. An engine feeds in what it has stored for the run, then asks for the slot,
 * all while holding whatever lock or transaction keeps other writers of the run out:
 *
 * <pre>{@code
 * StageSlots slots = StageSlots.of(runId, write);
 * for (Row r : storedAttemptsOf(runId)) {
 *   slots.add(r.stageKey(), r.position(), r.attempt());
 * }
 * StageManifest manifest = slots.manifest(now); // or position() and attempt()
 * }</pre>
 *
 * <p>The rule: a key that is already stored keeps its position (the lowest one recorded, should a
 * damaged store hold two), a new key takes one more than the highest position recorded (1 for the
 * first stage). The attempt is the write's own number, refused with {@link StageExistsException}
 * when that attempt of the key was recorded, or else one more than the highest attempt of the key
 * recorded (1 for the first). Attempts left without a manifest by a failed write count as taken if
 * the engine records them, so they are never overwritten.
 *
 * <p>Not thread-safe: one instance serves one write on one thread.
 */
public final class StageSlots {
  private final RunId runId;
  private final StageWrite write;
  private final Set<Integer> attempts = new HashSet<>();
  private int maxPosition;
  private int keyPosition;
  private int maxAttempt;

  private StageSlots(RunId runId, StageWrite write) {
    this.runId = runId;
    this.write = write;
  }

  /**
   * Starts numbering a write.
   *
   * @param runId the run written to
   * @param write the stage write
   * @return an empty tally: no stages stored yet
   */
  public static StageSlots of(RunId runId, StageWrite write) {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(write, "write");
    return new StageSlots(runId, write);
  }

  /**
   * Records a stored attempt of any stage of the run, complete or not.
   *
   * @param stageKey the stage key it belongs to
   * @param position the stage's position
   * @param attempt the attempt number
   * @return this
   * @throws IllegalArgumentException when position or attempt is below 1
   */
  public StageSlots add(String stageKey, int position, int attempt) {
    addStage(stageKey, position);
    if (attempt < 1) {
      throw new IllegalArgumentException(
          "run " + runId + " stage '" + stageKey + "': attempt " + attempt + " is below 1");
    }
    if (stageKey.equals(write.stageKey())) {
      attempts.add(attempt);
      maxAttempt = Math.max(maxAttempt, attempt);
    }
    return this;
  }

  /**
   * Records a stored attempt from its manifest.
   *
   * @param manifest the manifest of a stored attempt of the run
   * @return this
   */
  public StageSlots add(StageManifest manifest) {
    return add(manifest.stageKey(), manifest.position(), manifest.attempt());
  }

  /**
   * Records that a stage holds a position, whether or not any attempt of it is stored: for engines
   * that keep stages apart from attempts, such as the file store's stage directories.
   *
   * @param stageKey the stage key
   * @param position its position
   * @return this
   * @throws IllegalArgumentException when position is below 1
   */
  public StageSlots addStage(String stageKey, int position) {
    Objects.requireNonNull(stageKey, "stageKey");
    if (position < 1) {
      throw new IllegalArgumentException(
          "run " + runId + " stage '" + stageKey + "': position " + position + " is below 1");
    }
    maxPosition = Math.max(maxPosition, position);
    if (stageKey.equals(write.stageKey()) && (keyPosition == 0 || position < keyPosition)) {
      keyPosition = position;
    }
    return this;
  }

  /**
   * @return the position of the write's stage: its recorded one, else one after the highest
   */
  public int position() {
    return keyPosition != 0 ? keyPosition : maxPosition + 1;
  }

  /**
   * @return the attempt number of the write
   * @throws StageExistsException when the write names an attempt that was recorded
   */
  public int attempt() {
    if (write.attempt().isPresent()) {
      int wanted = write.attempt().getAsInt();
      if (attempts.contains(wanted)) {
        throw new StageExistsException(runId, write.stageKey(), wanted);
      }
      return wanted;
    }
    return maxAttempt + 1;
  }

  /**
   * Computes the manifest of the write in its slot ({@link StageManifest#compute}).
   *
   * @param createdAt the write time
   * @return the manifest to store last
   * @throws StageExistsException when the write names an attempt that was recorded
   */
  public StageManifest manifest(Instant createdAt) {
    return StageManifest.compute(runId, write, position(), attempt(), createdAt);
  }
}
