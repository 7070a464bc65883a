package dev.runs;

import dev.runs.internal.codec.StageManifestJson;
import dev.runs.internal.support.Times;
import dev.runs.spi.Sha256;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code manifest.json} of a stage attempt: which stage, its position among the run's stages,
 * the attempt, how it ended, the event that wrote it, and for every file its relative path, kind,
 * size and sha256. A store writes the manifest last, so an attempt with a manifest is complete.
 *
 * @param runId the run
 * @param stageKey the stage key
 * @param position 1-based position of the stage among the run's stages (first write order)
 * @param attempt the attempt number
 * @param status how the attempt ended
 * @param eventId the event that caused the write, if any
 * @param createdAt when the store wrote it
 * @param files every file of the attempt except the manifest itself
 */
public record StageManifest(
    RunId runId,
    String stageKey,
    int position,
    int attempt,
    StageWrite.Status status,
    Optional<EventId> eventId,
    Instant createdAt,
    List<Entry> files) {

  /**
   * One file of the attempt.
   *
   * @param path relative to the attempt directory, e.g. {@code artifacts/report.html}
   * @param kind {@code input}, {@code output} or the artifact's kind
   * @param size size in bytes
   * @param sha256 lowercase hex sha256 of the content
   */
  public record Entry(String path, String kind, long size, String sha256) {
    /** Validates the entry. */
    public Entry {
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(sha256, "sha256");
      if (size < 0) {
        throw new ValidationException("size", "must not be negative");
      }
      if (!Sha256.isHex(sha256)) {
        throw new ValidationException("sha256", "must be 64 lowercase hex digits");
      }
    }
  }

  /** Validates the manifest and copies the file list. */
  public StageManifest {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(stageKey, "stageKey");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(eventId, "eventId");
    Objects.requireNonNull(createdAt, "createdAt");
    StageWrite.checkStageKey(stageKey);
    if (position < 1 || attempt < 1) {
      throw new ValidationException("stage", "position and attempt must be at least 1");
    }
    createdAt = Times.micros(createdAt);
    files = List.copyOf(files);
  }

  /**
   * Computes the manifest of a write: sha256 and size of every file.
   *
   * @param runId the run
   * @param write the stage write
   * @param position the stage's position
   * @param attempt the attempt number
   * @param createdAt the write time
   * @return the manifest
   */
  public static StageManifest compute(
      RunId runId, StageWrite write, int position, int attempt, Instant createdAt) {
    List<Entry> entries = new ArrayList<>();
    for (StageWrite.StageFile f : write.files()) {
      entries.add(new Entry(f.path(), f.kind(), f.content().length, Sha256.hex(f.content())));
    }
    return new StageManifest(
        runId,
        write.stageKey(),
        position,
        attempt,
        write.status(),
        write.eventId(),
        createdAt,
        entries);
  }

  /**
   * @return the stage directory name, {@code <NN>-<stage-key>} such as {@code 01-fetch}
   */
  public String directoryName() {
    return directoryName(position, stageKey);
  }

  /**
   * @param position the stage position
   * @param stageKey the stage key
   * @return {@code <NN>-<stage-key>}
   */
  public static String directoryName(int position, String stageKey) {
    return String.format(Locale.ROOT, "%02d-%s", position, stageKey);
  }

  /**
   * Looks up a file.
   *
   * @param path relative path, e.g. {@code artifacts/report.html}
   * @return its entry
   */
  public Optional<Entry> file(String path) {
    return files.stream().filter(e -> e.path().equals(path)).findFirst();
  }

  /**
   * @return the manifest's JSON text, exactly as written to {@code manifest.json}
   */
  public String toJson() {
    return StageManifestJson.encode(this);
  }

  /**
   * @return sha256 of {@link #toJson()}, as carried by {@code stage.completed}
   */
  public String sha256() {
    return Sha256.hex(toJson());
  }

  /**
   * Parses a manifest written by {@link #toJson()}.
   *
   * @param json the text
   * @return the manifest
   * @throws ValidationException naming a missing or malformed field
   */
  public static StageManifest fromJson(String json) {
    return StageManifestJson.decode(json);
  }
}
