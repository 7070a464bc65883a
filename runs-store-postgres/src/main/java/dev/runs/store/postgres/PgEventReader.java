package dev.runs.store.postgres;

import static dev.runs.store.postgres.PgCodec.decodeEvent;

import dev.runs.EventStream;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import dev.runs.StoreCorruptedException;
import dev.runs.spi.EnvelopeStream;
import java.nio.charset.StandardCharsets;
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

  private final PgTx tx;
  private final String selectPage;
  private final String selectExists;
  private final String selectEnvelopes;

  /**
   * @param tx runs the statements
   * @param s the quoted schema name
   */
  PgEventReader(PgTx tx, String s) {
    this.tx = tx;
    selectPage =
        "SELECT body FROM " + s + ".events WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?";
    selectExists = "SELECT 1 FROM " + s + ".runs WHERE id = ?";
    selectEnvelopes =
        "SELECT seq, body FROM " + s + ".events WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?";
  }

  /**
   * See {@link dev.runs.spi.StorageEngine#readEnvelopes}: the body column holds each event's
   * canonical JSON, handed out undecoded, in pages of {@value #ENVELOPE_PAGE}.
   */
  EnvelopeStream readEnvelopes(RunId id, long afterSequence) {
    EnvelopePage first = envelopes(id, afterSequence);
    if (first.bodies.isEmpty() && !exists(id)) {
      throw new RunNotFoundException(id);
    }
    return new PagedEnvelopes(id, afterSequence, first);
  }

  /** Envelopes per page of {@link #readEnvelopes}: fewer round trips than the decoded read's. */
  private static final int ENVELOPE_PAGE = 2000;

  /** One page of envelopes: sequences and bodies as UTF-8. */
  private static final class EnvelopePage {
    final long[] seqs = new long[ENVELOPE_PAGE];
    final List<byte[]> bodies = new ArrayList<>(ENVELOPE_PAGE);
  }

  private EnvelopePage envelopes(RunId id, long after) {
    return tx.withConnection(
        "read events of run " + id,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(selectEnvelopes)) {
            ps.setString(1, id.value());
            ps.setLong(2, after);
            ps.setInt(3, ENVELOPE_PAGE);
            EnvelopePage page = new EnvelopePage();
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                page.seqs[page.bodies.size()] = rs.getLong(1);
                page.bodies.add(rs.getString(2).getBytes(StandardCharsets.UTF_8));
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
        if (page.bodies.size() < ENVELOPE_PAGE) {
          return false;
        }
        page = envelopes(id, last);
        index = 0;
        if (page.bodies.isEmpty()) {
          return false;
        }
      }
      long seq = page.seqs[index];
      if (seq != last + 1) {
        throw new StoreCorruptedException(
            tx.where() + ": run " + id + " has event " + seq + " after " + last + " (a gap)");
      }
      current = page.bodies.get(index);
      page.bodies.set(index, new byte[0]);
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
    List<RunEvent> first = page(id, afterSequence);
    if (first.isEmpty() && !exists(id)) {
      throw new RunNotFoundException(id);
    }
    return new PagedStream(id, first);
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

  private List<RunEvent> page(RunId id, long after) {
    return tx.withConnection(
        "read events of run " + id,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(selectPage)) {
            ps.setString(1, id.value());
            ps.setLong(2, after);
            ps.setInt(3, READ_PAGE);
            List<RunEvent> out = new ArrayList<>(READ_PAGE);
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                out.add(decodeEvent(tx.where(), id.value(), rs.getBytes(1)));
              }
            }
            return out;
          }
        });
  }

  /**
   * Reads a run's log one page at a time by sequence, each page on a briefly borrowed connection,
   * so a slow consumer never pins a connection and memory stays at one page. Committed events of a
   * run always form a prefix 1..n (appends to a run are serialized by its row lock and commit
   * whole), so paging by sequence never skips one.
   */
  private final class PagedStream implements EventStream {
    private final RunId id;
    private List<RunEvent> page;
    private int index;
    private long last;
    private boolean done;
    private boolean closed;

    PagedStream(RunId id, List<RunEvent> first) {
      this.id = id;
      this.page = first;
      this.done = first.size() < READ_PAGE;
    }

    @Override
    public boolean hasNext() {
      if (closed) {
        return false;
      }
      if (index < page.size()) {
        return true;
      }
      if (done) {
        return false;
      }
      page = page(id, last);
      index = 0;
      done = page.size() < READ_PAGE;
      return !page.isEmpty();
    }

    @Override
    public RunEvent next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      RunEvent e = page.get(index++);
      last = e.sequence();
      return e;
    }

    @Override
    public void close() {
      closed = true;
      page = List.of();
    }
  }
}
