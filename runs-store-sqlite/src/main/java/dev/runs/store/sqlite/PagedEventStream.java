package dev.runs.store.sqlite;

import dev.runs.EventCodec;
import dev.runs.EventStream;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.StoreCorruptedException;
import dev.runs.ValidationException;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * A run's events read page by page: each page is one indexed range query ({@code seq > last}
 * ordered by sequence, {@value #PAGE} rows) on a pooled read connection that is returned at once,
 * and rows are decoded only as the caller advances. Memory is bounded by one page whatever the
 * log's length, and an open stream holds no connection or snapshot.
 */
final class PagedEventStream implements EventStream {
  /** Rows per page. */
  static final int PAGE = 1000;

  /** Fetches the stored envelopes after a sequence. */
  interface PageSource {
    /**
     * @param runId the run
     * @param after the last sequence already returned
     * @param limit most rows
     * @param seqs receives the sequences
     * @param envelopes receives the stored envelopes' bytes (UTF-8 unless damaged)
     */
    void fetch(RunId runId, long after, int limit, List<Long> seqs, List<byte[]> envelopes);
  }

  private final PageSource source;
  private final RunId runId;
  private final List<Long> seqs = new ArrayList<>();
  private final List<byte[]> envelopes = new ArrayList<>();
  private int index;
  private long last;
  private boolean closed;

  /**
   * @param source fetches pages
   * @param runId the run
   * @param after the sequence to read after, 0 for all
   */
  PagedEventStream(PageSource source, RunId runId, long after) {
    this.source = source;
    this.runId = runId;
    this.last = after;
  }

  /**
   * Loads the first page now; lets the caller check the run exists when it is empty.
   *
   * @return true when the first page has events
   */
  boolean prefetch() {
    fill();
    return !envelopes.isEmpty();
  }

  private void fill() {
    seqs.clear();
    envelopes.clear();
    index = 0;
    source.fetch(runId, last, PAGE, seqs, envelopes);
  }

  @Override
  public boolean hasNext() {
    if (closed) {
      return false;
    }
    if (index < envelopes.size()) {
      return true;
    }
    fill();
    return !envelopes.isEmpty();
  }

  @Override
  public RunEvent next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    long seq = seqs.get(index);
    byte[] json = envelopes.get(index);
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
    RunEvent e;
    try {
      e = EventCodec.decode(json);
    } catch (ValidationException ex) {
      throw new StoreCorruptedException(
          "table events, run "
              + runId
              + " sequence "
              + seq
              + ": the stored envelope cannot be decoded: "
              + ex.getMessage(),
          ex);
    }
    if (e.sequence() != seq || !e.runId().equals(runId)) {
      throw new StoreCorruptedException(
          "table events, run "
              + runId
              + " sequence "
              + seq
              + ": the stored envelope says run "
              + e.runId()
              + " sequence "
              + e.sequence());
    }
    last = seq;
    return e;
  }

  @Override
  public void close() {
    closed = true;
    seqs.clear();
    envelopes.clear();
  }
}
