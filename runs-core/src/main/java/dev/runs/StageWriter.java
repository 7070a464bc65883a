package dev.runs;

/**
 * Collects a stage's input, output and artifacts, then {@link #write()} stores them as one stage
 * attempt with its manifest and records {@code artifact.created} for each artifact and {@code
 * stage.completed} with the manifest's sha256. Not thread-safe; write once.
 */
public interface StageWriter {
  /**
   * @param value the stage input (record, map, or JSON object), written as {@code input.json}
   * @return this writer
   */
  StageWriter input(Object value);

  /**
   * @param value the stage output, written as {@code output.json}
   * @return this writer
   */
  StageWriter output(Object value);

  /**
   * @param name relative artifact name, e.g. {@code report.html}
   * @param kind what it is, e.g. {@code report}
   * @param content the bytes
   * @return this writer
   */
  StageWriter artifact(String name, String kind, byte[] content);

  /**
   * Writes the stage attempt and its events.
   *
   * @return the manifest
   * @throws IllegalStateException when already written
   */
  StageManifest write();
}
