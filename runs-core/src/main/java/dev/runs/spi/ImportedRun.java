package dev.runs.spi;

import dev.runs.EventStream;
import dev.runs.RunRecord;
import dev.runs.StageManifest;
import java.util.List;

/**
 * A whole run handed to {@link StorageEngine#importRun}: what a bundle import or an archive restore
 * brings, already checked by the core against its hashes. The engine stores it as given.
 *
 * <p>Not thread-safe: the engine uses it from one thread, during one {@code importRun} call.
 */
public interface ImportedRun {
  /**
   * @return the run's record, exactly as stored at the source (its creation time included)
   */
  RunRecord record();

  /**
   * @return the head after the last event: last sequence, status, time and hash of the last event
   */
  RunHead head();

  /**
   * Opens the events, in sequence order from 1 to {@code head().lastSequence()}, gapless. Each call
   * opens a new stream from the start; the engine closes it. Events are read lazily, so a run of
   * any length is imported in bounded memory.
   *
   * @return the events
   */
  EventStream events();

  /**
   * Opens the events like {@link #events()}, each with its canonical envelope, so an engine that
   * stores envelopes writes the given bytes instead of encoding each event again. A bundle import
   * hands over the very lines it checked. The default encodes the events of {@link #events()}.
   *
   * @return the events with their envelopes
   */
  default EncodedEventStream encodedEvents() {
    return EncodedEventStream.encoding(events());
  }

  /**
   * @return the stage manifests, by position then attempt; store them as given
   */
  List<StageManifest> stages();

  /**
   * Reads one file of a stage attempt, already checked against the manifest's size and sha256.
   *
   * @param manifest one of {@link #stages()}
   * @param path a path listed in the manifest
   * @return the file's bytes
   */
  byte[] stageFile(StageManifest manifest, String path);

  /**
   * @return true when the run exists in the engine as an archive stub with this head, and this
   *     import puts its events and stages back (a restore)
   */
  boolean replacesStub();
}
