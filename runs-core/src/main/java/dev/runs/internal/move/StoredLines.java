package dev.runs.internal.move;

import dev.runs.RunId;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.spi.EnvelopeStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A run's stored event lines copied out of its store, for exports and archiving: in blocks of the
 * log when the engine keeps it as the lines themselves ({@link
 * dev.runs.spi.StorageEngine#readEnvelopeLines}, {@link EventLines#copyLines}), envelope by
 * envelope otherwise ({@link EventLines#copy}). Both give the same bytes, count, sha256, head and
 * CRC-32C, so a second pass may take either way whichever the first took. Stateless.
 */
final class StoredLines {
  private StoredLines() {}

  /**
   * Copies a run's lines 1 to {@code upTo}, its head.
   *
   * @param store the store, for errors
   * @param moves its engine
   * @param id the run
   * @param upTo the head's sequence
   * @param status the head's status
   * @param lastLine the envelope of {@code upTo} when the caller has read it, else null
   * @param genesis the run's chain genesis to check every link ({@link ChainCheck}), or null
   * @param out where the lines go
   * @return what was copied
   * @throws dev.runs.RunNotFoundException when the run is gone
   */
  static EventLines.Written copy(
      RunStore store,
      RunMoves moves,
      RunId id,
      long upTo,
      RunStatus status,
      byte @Nullable [] lastLine,
      @Nullable String genesis,
      OutputStream out)
      throws IOException {
    Optional<InputStream> lines =
        upTo < 1 || (lastLine != null && lastLine.length >= EventLines.LINES_BLOCK)
            ? Optional.empty()
            : moves.engine().readEnvelopeLines(id, upTo);
    if (lines.isPresent()) {
      try (InputStream in = lines.get()) {
        byte[] last = lastLine != null ? lastLine : lastEnvelope(store, moves, id, upTo);
        if (last.length < EventLines.LINES_BLOCK) {
          return EventLines.copyLines(id, in, upTo, status, last, genesis, out);
        }
      }
    }
    try (EnvelopeStream envelopes = moves.engine().readEnvelopes(id, 0)) {
      return EventLines.copy(id, envelopes, upTo, status, genesis, out);
    }
  }

  /**
   * Copies the lines a first {@link #copy} of the same run copied, read again ({@link
   * EventLines#copyLinesAgain}, {@link EventLines#copyAgain}).
   *
   * @return whether the lines written are those of the first pass
   * @throws dev.runs.RunNotFoundException when the run is gone
   */
  static boolean copyAgain(RunMoves moves, RunId id, EventLines.Written first, OutputStream out)
      throws IOException {
    Optional<InputStream> lines = moves.engine().readEnvelopeLines(id, first.count());
    if (lines.isPresent()) {
      try (InputStream in = lines.get()) {
        return EventLines.copyLinesAgain(in, first, out);
      }
    }
    try (EnvelopeStream envelopes = moves.engine().readEnvelopes(id, 0)) {
      return EventLines.copyAgain(id, envelopes, first, out);
    }
  }

  /**
   * @return the stored envelope of sequence {@code upTo}
   * @throws dev.runs.RunsException as {@link Bundles#changed} when the log no longer reaches it
   * @throws dev.runs.RunNotFoundException when the run is gone
   */
  static byte[] lastEnvelope(RunStore store, RunMoves moves, RunId id, long upTo) {
    try (EnvelopeStream last = moves.engine().readEnvelopes(id, upTo - 1)) {
      if (!last.advance() || last.sequence() != upTo) {
        throw Bundles.changed(store, moves, id);
      }
      return last.utf8();
    }
  }
}
