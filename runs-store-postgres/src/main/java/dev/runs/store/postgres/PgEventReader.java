package dev.runs.store.postgres;

import static dev.runs.store.postgres.PgCodec.decodeEvent;

import dev.runs.EventStream;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import dev.runs.StoreCorruptedException;
import dev.runs.spi.EnvelopeStream;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Reads a run's events from the {@code events} table in pages of {@value #READ_PAGE} by sequence,
 * so any log is read in bounded memory and no connection is held between pages.
 *
 * <p>Thread-safe: it holds only final fields; each page borrows its own connection. The streams it
 * opens are for one thread at a time.
 */
final class PgEventReader {
  private static final int READ_PAGE = 500;
  private static final byte[] EMPTY = new byte[0];

  private final PgTx tx;
  private final String selectPage;
  private final String selectExists;

  /**
   * @param tx runs the statements
   * @param s the quoted schema name
   */
  PgEventReader(PgTx tx, String s) {
    this.tx = tx;
    selectPage =
        "SELECT seq, body FROM " + s + ".events WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?";
    selectExists = "SELECT 1 FROM " + s + ".runs WHERE id = ?";
  }

  /**
   * See {@link dev.runs.spi.StorageEngine#readEnvelopes}: the body column holds each event's
   * canonical JSON, handed out undecoded, in pages of {@value #ENVELOPE_PAGE}.
   */
  EnvelopeStream readEnvelopes(RunId id, long afterSequence) {
    EnvelopePage first = envelopes(id, afterSequence, ENVELOPE_PAGE);
    if (first.bodies.isEmpty() && !exists(id)) {
      throw new RunNotFoundException(id);
    }
    return new PagedEnvelopes(id, afterSequence, first);
  }

  /** Envelopes per page of {@link #readEnvelopes}: fewer round trips than the decoded read's. */
  private static final int ENVELOPE_PAGE = 2000;

  /** One page of envelopes: sequences and bodies as UTF-8. */
  private static final class EnvelopePage {
    final int size;
    final long[] seqs;
    final List<byte[]> bodies;

    EnvelopePage(int size) {
      this.size = size;
      this.seqs = new long[size];
      this.bodies = new ArrayList<>(size);
    }

    boolean full() {
      return bodies.size() == size;
    }
  }

  private EnvelopePage envelopes(RunId id, long after, int size) {
    return tx.withConnection(
        "read events of run " + id,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(selectPage)) {
            ps.setString(1, id.value());
            ps.setLong(2, after);
            ps.setInt(3, size);
            EnvelopePage page = new EnvelopePage(size);
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                page.seqs[page.bodies.size()] = rs.getLong(1);
                page.bodies.add(rs.getBytes(2)); // the text as UTF-8, the connection's encoding
              }
            }
            return page;
          }
        });
  }

  /** Envelopes page by page, like {@link PagedStream}, checking that sequences are gapless. */
  private final class PagedEnvelopes implements EnvelopeStream {
    private final RunId id;
    private EnvelopePage page;
    private int index;
    private long last;
    private boolean started;
    private byte[] current = new byte[0];
    private boolean closed;

    PagedEnvelopes(RunId id, long after, EnvelopePage first) {
      this.id = id;
      this.last = after;
      this.page = first;
    }

    @Override
    public boolean advance() {
      if (closed) {
        return false;
      }
      if (index >= page.bodies.size()) {
        if (!page.full()) {
          return false;
        }
        page = envelopes(id, last, ENVELOPE_PAGE);
        index = 0;
        if (page.bodies.isEmpty()) {
          return false;
        }
      }
      long seq = page.seqs[index];
      if (seq != last + 1) {
        throw gap(id, seq, last);
      }
      current = page.bodies.get(index);
      page.bodies.set(index, EMPTY);
      index++;
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
    }
  }

  /** See {@link dev.runs.spi.StorageEngine#read}. */
  EventStream read(RunId id, long afterSequence) {
    EnvelopePage first = envelopes(id, afterSequence, READ_PAGE);
    if (first.bodies.isEmpty() && !exists(id)) {
      throw new RunNotFoundException(id);
    }
    return new PagedStream(id, afterSequence, first);
  }

  private StoreCorruptedException gap(RunId id, long seq, long last) {
    return new StoreCorruptedException(
        tx.where() + ": run " + id + " has event " + seq + " after " + last + " (a gap)");
  }

  private boolean exists(RunId id) {
    return tx.withConnection(
        "read run " + id,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(selectExists)) {
            ps.setString(1, id.value());
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next();
            }
          }
        });
  }

  /**
   * Reads a run's log one page at a time by sequence, each page on a briefly borrowed connection,
   * so a slow consumer never pins a connection and memory stays at one page. Committed events of a
   * run always form a prefix 1..n (appends to a run are serialized by its row lock and commit
   * whole), so paging by sequence never skips one: a gap, or an envelope naming another run or
   * sequence than its row, is a damaged table ({@link StoreCorruptedException}). Each envelope is
   * decoded and checked as it is handed out.
   */
  private final class PagedStream implements EventStream {
    private final RunId id;
    private EnvelopePage page;
    private int index;
    private long last;
    private boolean closed;

    PagedStream(RunId id, long after, EnvelopePage first) {
      this.id = id;
      this.last = after;
      this.page = first;
    }

    @Override
    public boolean hasNext() {
      if (closed) {
        return false;
      }
      if (index < page.bodies.size()) {
        return true;
      }
      if (!page.full()) {
        return false;
      }
      page = envelopes(id, last, READ_PAGE);
      index = 0;
      return !page.bodies.isEmpty();
    }

    @Override
    public RunEvent next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      long seq = page.seqs[index];
      byte[] body = page.bodies.get(index);
      page.bodies.set(index, EMPTY);
      index++;
      if (seq != last + 1) {
        throw gap(id, seq, last);
      }
      RunEvent e = decodeEvent(tx.where(), id.value(), body);
      if (e.sequence() != seq || !e.runId().equals(id)) {
        throw new StoreCorruptedException(
            tx.where()
                + ": run "
                + id
                + " event "
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
      page = new EnvelopePage(0);
    }
  }
}
