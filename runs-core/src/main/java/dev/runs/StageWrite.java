package dev.runs;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * What a stage attempt writes: {@code input.json}, {@code output.json}, artifacts, and then a
 * {@code manifest.json} that the store computes (sha256 and size of every file). An attempt is
 * written whole or not at all and never overwritten.
 *
 * @param stageKey the stage, e.g. {@code fetch} or {@code train-model}: 1 to 64 of a-z, 0-9, '-',
 *     '_', '.', starting with a letter or digit
 * @param attempt the attempt number; empty lets the store pick the next one
 * @param status how the stage ended
 * @param eventId the event that caused the write (e.g. the step's event), if any
 * @param input the stage's input, written as {@code input.json}
 * @param output the stage's output, written as {@code output.json}
 * @param artifacts other files, under {@code artifacts/}
 */
public record StageWrite(
    String stageKey,
    OptionalInt attempt,
    Status status,
    Optional<EventId> eventId,
    Optional<Payload> input,
    Optional<Payload> output,
    List<StageArtifact> artifacts) {

  /** How a stage attempt ended. */
  public enum Status {
    /** It produced its outputs. */
    COMPLETED,
    /** It failed; what it wrote is kept for inspection. */
    FAILED;

    /**
     * @return the lowercase JSON name
     */
    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Validates names and copies the artifact list. */
  public StageWrite {
    Objects.requireNonNull(stageKey, "stageKey");
    Objects.requireNonNull(attempt, "attempt");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(eventId, "eventId");
    Objects.requireNonNull(input, "input");
    Objects.requireNonNull(output, "output");
    checkStageKey(stageKey);
    if (attempt.isPresent() && attempt.getAsInt() < 1) {
      throw new ValidationException(
          "stage.attempt", "must be at least 1 but was " + attempt.getAsInt());
    }
    artifacts = List.copyOf(artifacts);
    Set<String> names = new HashSet<>();
    for (StageArtifact a : artifacts) {
      if (!names.add(a.name())) {
        throw new ValidationException(
            "artifact.name", "'" + a.name() + "' appears twice in stage " + stageKey);
      }
    }
  }

  /**
   * Starts a completed stage write with nothing in it yet.
   *
   * @param stageKey the stage key
   * @return the write
   */
  public static StageWrite of(String stageKey) {
    return new StageWrite(
        stageKey,
        OptionalInt.empty(),
        Status.COMPLETED,
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        List.of());
  }

  /**
   * @param value the input
   * @return a copy with the input set
   */
  public StageWrite withInput(Payload value) {
    return new StageWrite(
        stageKey, attempt, status, eventId, Optional.of(value), output, artifacts);
  }

  /**
   * @param value the output
   * @return a copy with the output set
   */
  public StageWrite withOutput(Payload value) {
    return new StageWrite(stageKey, attempt, status, eventId, input, Optional.of(value), artifacts);
  }

  /**
   * @param artifact another artifact
   * @return a copy with the artifact added
   */
  public StageWrite withArtifact(StageArtifact artifact) {
    List<StageArtifact> more = new ArrayList<>(artifacts);
    more.add(artifact);
    return new StageWrite(stageKey, attempt, status, eventId, input, output, more);
  }

  /**
   * @param value the attempt number
   * @return a copy with the attempt set
   */
  public StageWrite withAttempt(int value) {
    return new StageWrite(
        stageKey, OptionalInt.of(value), status, eventId, input, output, artifacts);
  }

  /**
   * @param value how the stage ended
   * @return a copy with the status set
   */
  public StageWrite withStatus(Status value) {
    return new StageWrite(stageKey, attempt, value, eventId, input, output, artifacts);
  }

  /**
   * @param value the event that caused the write
   * @return a copy with the event id set
   */
  public StageWrite withEventId(EventId value) {
    return new StageWrite(stageKey, attempt, status, Optional.of(value), input, output, artifacts);
  }

  /**
   * The files of the attempt in writing order, paths relative to the attempt directory.
   *
   * @return {@code input.json}, {@code output.json} (when set), then {@code artifacts/<name>}
   */
  public List<StageFile> files() {
    List<StageFile> files = new ArrayList<>();
    input.ifPresent(
        p ->
            files.add(
                new StageFile("input.json", "input", p.json().getBytes(StandardCharsets.UTF_8))));
    output.ifPresent(
        p ->
            files.add(
                new StageFile("output.json", "output", p.json().getBytes(StandardCharsets.UTF_8))));
    for (StageArtifact a : artifacts) {
      files.add(new StageFile("artifacts/" + a.name(), a.kind(), a.contentUnsafe()));
    }
    return files;
  }

  /**
   * A file of a stage attempt as a store writes it.
   *
   * @param path relative to the attempt directory
   * @param kind {@code input}, {@code output} or the artifact's kind
   * @param content the bytes; do not modify
   */
  // a carrier from the core to a store's write, not a value: no copies on the write path
  @SuppressWarnings("ArrayRecordComponent")
  public record StageFile(String path, String kind, byte[] content) {}

  /**
   * Checks a stage key.
   *
   * @param key the key
   * @throws ValidationException when malformed
   */
  public static void checkStageKey(String key) {
    if (key.isEmpty() || key.length() > 64) {
      throw new ValidationException(
          "stage_key", "must be 1 to 64 characters but has " + key.length());
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9')
              || c == '-'
              || c == '_'
              || (c == '.' && i > 0);
      if (!ok || (i == 0 && !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))) {
        throw new ValidationException(
            "stage_key",
            "'"
                + key.replaceAll("\\p{Cntrl}", "?")
                + "' must start with a-z or 0-9 and use only a-z, 0-9, '-', '_', '.'");
      }
    }
  }
}
