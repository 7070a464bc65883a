package dev.runs.store.sqlite;

import dev.runs.RunId;
import dev.runs.StoreCorruptedException;
import dev.runs.spi.EnvelopeStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A run's stored envelopes read page by page like {@link PagedEventStream}, but handed out as the
 * stored bytes, undecoded: the envelope column holds each event's canonical JSON, so an export
 * copies it as it is. Checks that the sequences are gapless.
 */
final class PagedEnvelopeStream implements EnvelopeStream {
  /** Fetches the stored envelopes' bytes after a sequence. */
  interface PageSource {
    /**
     * @param runId the run
     * @param after the last sequence already returned
     * @param limit most rows
     * @param seqs receives the sequences
     * @param envelopes receives the envelopes' UTF-8 bytes
     */
    void fetch(RunId runId, long after, int limit, List<Long> seqs, List<byte[]> envelopes);
  }

  private final PageSource source;
  private final RunId runId;
  private final List<Long> seqs = new ArrayList<>();
  private final List<byte[]> envelopes = new ArrayList<>();
  private int index;
  private long last;
  private byte[] current = new byte[0];
  private boolean started;
  private boolean closed;

  PagedEnvelopeStream(PageSource source, RunId runId, long after) {
    this.source = source;
    this.runId = runId;
    this.last = after;
  }

  /**
   * Loads the first page now.
   *
   * @return true when the first page has envelopes
   */
  boolean prefetch() {
    fill();
    return !envelopes.isEmpty();
  }

  private void fill() {
    seqs.clear();
    envelopes.clear();
    index = 0;
    source.fetch(runId, last, PagedEventStream.PAGE, seqs, envelopes);
  }

  @Override
  public boolean advance() {
    if (closed) {
      return false;
    }
    if (index >= envelopes.size()) {
      fill();
      if (envelopes.isEmpty()) {
        return false;
      }
    }
    long seq = seqs.get(index);
    current = envelopes.get(index);
    envelopes.set(index, null);
    index++;
    if (seq != last + 1) {
      throw new StoreCorruptedException(
          "table events, run "
              + runId
              + ": sequence "
              + seq
              + " follows "
              + last
              + "; the log has a gap (check the database with PRAGMA integrity_check)");
    }
    last = seq;
    started = true;
    return true;
  }

  @Override
  public long sequence() {
    if (!started) {
      throw new IllegalStateException("advance() first");
    }
    return last;
  }

  @Override
  public byte[] utf8() {
    sequence();
    return current;
  }

  @Override
  public void close() {
    closed = true;
    seqs.clear();
    envelopes.clear();
  }
}
