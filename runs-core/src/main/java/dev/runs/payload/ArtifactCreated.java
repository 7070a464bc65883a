package dev.runs.payload;

import dev.runs.EventPayload;
import dev.runs.EventType;
import dev.runs.EventTypes;
import dev.runs.StageManifest;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code artifact.created}: the run produced a file.
 *
 * @param path where it is, e.g. {@code artifacts/report.html} inside a stage attempt, or a URI
 * @param sha256 sha256 of its content, 64 lowercase hex digits
 * @param size its size in bytes, at least 0
 * @param kind what it is, e.g. {@code report}, {@code image}, {@code dataset}
 */
public record ArtifactCreated(
    @NonBlank String path, @NonBlank String sha256, @NonNegative long size, Optional<String> kind)
    implements EventPayload {

  /** Checks the components. */
  public ArtifactCreated {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(sha256, "sha256");
    Objects.requireNonNull(kind, "kind");
    Checks.name(EventTypes.ARTIFACT_CREATED, "path", path);
    Checks.name(EventTypes.ARTIFACT_CREATED, "sha256", sha256);
    Checks.nonNegative(EventTypes.ARTIFACT_CREATED.name(), "size", size);
  }

  /**
   * @param path where the file is
   * @param sha256 sha256 of its content
   * @param size its size in bytes
   * @return the payload, without kind
   */
  public static ArtifactCreated of(String path, String sha256, long size) {
    return new ArtifactCreated(path, sha256, size, Optional.empty());
  }

  /**
   * Describes a file of a stage manifest.
   *
   * @param file the manifest entry
   * @return the payload with the entry's path, sha256, size and kind
   */
  public static ArtifactCreated of(StageManifest.Entry file) {
    Objects.requireNonNull(file, "file");
    return new ArtifactCreated(file.path(), file.sha256(), file.size(), Optional.of(file.kind()));
  }

  /**
   * @return {@link EventTypes#ARTIFACT_CREATED}
   */
  @Override
  public EventType type() {
    return EventTypes.ARTIFACT_CREATED;
  }
}
