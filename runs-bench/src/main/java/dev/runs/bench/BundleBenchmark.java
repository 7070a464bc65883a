package dev.runs.bench;

import dev.runs.EventCodec;
import dev.runs.EventStream;
import dev.runs.ImportResult;
import dev.runs.RunBundles;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.RunStores;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.postgresql.PGConnection;
import org.sqlite.SQLiteConfig;

/**
 * Bundles beside what the store does on its own, on one run of {@code events} events (default
 * 100,000; 300-byte payloads, about 600 bytes per line), for each {@code scheme}. Scores are
 * milliseconds per whole run; divide {@code events} by them for events per second.
 *
 * <ul>
 *   <li>{@code read}: the store's own read of the run, streamed through {@link RunStore#read}: the
 *       ceiling of export.
 *   <li>{@code export}: {@link RunBundles#export(RunStore, RunId, Path)} of the same run to a new
 *       file (read, hash and write the stored envelopes in one pass, the header last into room left
 *       for it, force, rename).
 *   <li>{@code exportToStream}: {@link RunBundles#export(RunStore, RunId, java.io.OutputStream)} of
 *       the same run into a buffered stream over a new file, never forced (two passes over the
 *       envelopes: count and hash, then write): export without the force.
 *   <li>{@code importInto}: {@link RunBundles#importInto(RunStore, Path)} of that bundle into a
 *       new, empty store (check pass, then the engine's one-step write), at the store's default
 *       durability.
 *   <li>{@code ceiling}: the store's raw batch-insert ceiling for the same event lines: for {@code
 *       sqlite} plain JDBC batch inserts of the same envelope rows into a fresh database with the
 *       store's schema, in one transaction (WAL, synchronous=FULL, as the store); for {@code file}
 *       one {@link FileChannel} write of the same bytes to a new file, then {@code force}; for
 *       {@code postgres} one raw {@code COPY ... FROM STDIN} of the same rows into a fresh copy of
 *       the store's events table, one transaction (the store imports through COPY too); for {@code
 *       memory}, which has no medium, decoding the lines once (the least work any import does).
 * </ul>
 *
 * <pre>
 * java -jar runs-bench/target/benchmarks.jar BundleBenchmark -f 1 -wi 1 -i 3
 * java -jar runs-bench/target/benchmarks.jar BundleBenchmark -p scheme=postgres   # RUNS_PG_URL
 * </pre>
 *
 * <p>Import needs an engine that can import runs; on one that cannot yet, {@code importInto} fails
 * with {@link UnsupportedOperationException} and {@link BenchReport} leaves its rows out.
 */
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 5)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Threads(1)
public class BundleBenchmark {

  /** The store holding the run, its bundle, and the bundle's event lines for the ceilings. */
  @State(Scope.Benchmark)
  public static class Source {
    /** Which store: memory, sqlite, file or postgres. */
    @Param({"memory", "sqlite", "file"})
    public String scheme;

    /** Events in the run. */
    @Param({"100000"})
    public int events;

    Path dir;
    String pgSchema;
    RunStore store;
    RunId id;
    Path bundle;
    Path exportTarget;
    Path streamTarget;

    /** The bundle's event lines, each without its line feed. */
    List<byte[]> lines;

    /** Fills the run (fast durability where the store has one), reopens, writes its bundle. */
    @Setup(Level.Trial)
    public void fill() throws IOException {
      dir = Bench.scratch("bundle-");
      if (scheme.equals("postgres")) {
        pgSchema = MoveBench.freshPgSchemaName();
      }
      RunStore writer = MoveBench.open(scheme, dir.resolve("source"), pgSchema, true);
      id = MoveBench.fill(writer, "bench", events);
      if (MoveBench.keepsData(scheme)) {
        writer.close();
        store = MoveBench.open(scheme, dir.resolve("source"), pgSchema, false);
      } else {
        store = writer;
      }
      bundle = dir.resolve("source" + RunBundles.SUFFIX);
      exportTarget = dir.resolve("export" + RunBundles.SUFFIX);
      streamTarget = dir.resolve("stream" + RunBundles.SUFFIX);
      RunBundles.export(store, id, bundle);
      lines = new ArrayList<>(events);
      try (BufferedReader r = Files.newBufferedReader(bundle, StandardCharsets.UTF_8)) {
        r.readLine(); // the header
        for (int i = 0; i < events; i++) {
          lines.add(r.readLine().getBytes(StandardCharsets.UTF_8));
        }
      }
    }

    /** Closes the store and deletes everything. */
    @TearDown(Level.Trial)
    public void close() throws SQLException {
      store.close();
      Bench.delete(dir);
      if (pgSchema != null) {
        PostgresAppendBenchmark.dropSchema(pgSchema);
      }
    }
  }

  /** A new, empty store per import. */
  @State(Scope.Thread)
  public static class Target {
    Path dir;
    String pgSchema;
    RunStore store;

    /** Opens an empty store of the source's kind. */
    @Setup(Level.Invocation)
    public void open(Source s) {
      dir = Bench.scratch("bundle-import-");
      pgSchema = s.scheme.equals("postgres") ? MoveBench.freshPgSchemaName() : null;
      store = MoveBench.open(s.scheme, dir.resolve("target"), pgSchema, false);
    }

    /** Closes and deletes it. */
    @TearDown(Level.Invocation)
    public void close() throws SQLException {
      store.close();
      Bench.delete(dir);
      if (pgSchema != null) {
        PostgresAppendBenchmark.dropSchema(pgSchema);
      }
    }
  }

  /** A fresh medium per raw insert: a database with the store's schema, or a new file. */
  @State(Scope.Thread)
  public static class Raw {
    Path dir;
    String pgSchema;
    Connection connection;
    PreparedStatement insert;
    Statement control;
    String[] eventIds;
    String[] types;
    String[] envelopes;

    /** For postgres: the rows in COPY text format, UTF-8. */
    byte[] copyText;

    /** Decodes the lines once per trial, for the row columns. */
    @Setup(Level.Trial)
    public void rows(Source s) {
      if (s.scheme.equals("memory") || s.scheme.equals("file")) {
        return;
      }
      eventIds = new String[s.events];
      types = new String[s.events];
      envelopes = new String[s.events];
      StringBuilder copy = new StringBuilder();
      for (int i = 0; i < s.events; i++) {
        RunEvent e = EventCodec.decode(s.lines.get(i));
        eventIds[i] = e.eventId().value();
        types[i] = e.type().name();
        envelopes[i] = new String(s.lines.get(i), StandardCharsets.UTF_8);
        if (s.scheme.equals("postgres")) {
          copy.append(s.id.value()).append('\t').append(i + 1).append('\t');
          copy.append(types[i]).append('\t').append(e.time()).append("\t\\N\t");
          for (int k = 0; k < envelopes[i].length(); k++) {
            char c = envelopes[i].charAt(k);
            switch (c) {
              case '\\' -> copy.append("\\\\");
              case '\n' -> copy.append("\\n");
              case '\r' -> copy.append("\\r");
              case '\t' -> copy.append("\\t");
              default -> copy.append(c);
            }
          }
          copy.append('\n');
        }
      }
      copyText = copy.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Creates the medium: the schema through the store, then a plain connection. */
    @Setup(Level.Invocation)
    public void open(Source s) throws SQLException {
      dir = Bench.scratch("bundle-raw-");
      switch (s.scheme) {
        case "sqlite" -> {
          Path db = dir.resolve("raw.db");
          RunStores.open("sqlite:" + db).close();
          SQLiteConfig config = new SQLiteConfig();
          config.setJournalMode(SQLiteConfig.JournalMode.WAL);
          config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
          connection = config.createConnection("jdbc:sqlite:" + db);
          insert =
              connection.prepareStatement(
                  "INSERT INTO events (run_id, seq, event_id, type, idem_key, envelope)"
                      + " VALUES (?, ?, ?, ?, ?, ?)");
          control = connection.createStatement();
        }
        case "postgres" -> {
          pgSchema = MoveBench.freshPgSchemaName();
          RunStores.open(MoveBench.pgUri(pgSchema)).close();
          connection = PostgresAppendBenchmark.connect();
          connection.setAutoCommit(false);
        }
        default -> {
          // memory decodes, file writes a new file: nothing to prepare
        }
      }
    }

    /** Closes and deletes the medium. */
    @TearDown(Level.Invocation)
    public void close() throws SQLException {
      if (insert != null) {
        insert.close();
        insert = null;
      }
      if (control != null) {
        control.close();
        control = null;
      }
      if (connection != null) {
        connection.close();
        connection = null;
      }
      Bench.delete(dir);
      if (pgSchema != null) {
        PostgresAppendBenchmark.dropSchema(pgSchema);
        pgSchema = null;
      }
    }
  }

  // ---- (a) export beside the store's own read
  // ----------------------------------------------------

  @Benchmark
  public long read(Source s, Blackhole bh) {
    long n = 0;
    try (EventStream events = s.store.read(s.id, 0)) {
      while (events.hasNext()) {
        bh.consume(events.next());
        n++;
      }
    }
    return MoveBench.expect(n, s.events, "read");
  }

  /**
   * Removes the previous invocation's exports before each one, untimed: writing over an existing
   * file also frees the old one's blocks (in the rename, or in the truncation of a stream opened
   * over it), work the ceilings, which write new files, do not do. On ext4 that was about a fifth
   * of {@code export}'s time.
   */
  @State(Scope.Thread)
  public static class NewFiles {
    /** Deletes both export targets. */
    @Setup(Level.Invocation)
    public void clear(Source s) throws IOException {
      Files.deleteIfExists(s.exportTarget);
      Files.deleteIfExists(s.streamTarget);
    }
  }

  @Benchmark
  public long export(Source s, NewFiles fresh) {
    return MoveBench.expect(RunBundles.export(s.store, s.id, s.exportTarget), s.events, "export");
  }

  /**
   * {@link RunBundles#export(RunStore, RunId, java.io.OutputStream)} of the same run into a
   * buffered stream over a new file, never forced: {@code export} without the durability of its
   * force and rename.
   */
  @Benchmark
  public long exportToStream(Source s, NewFiles fresh) throws IOException {
    long n;
    try (OutputStream out =
        new BufferedOutputStream(Files.newOutputStream(s.streamTarget), 1 << 16)) {
      n = RunBundles.export(s.store, s.id, out);
    }
    return MoveBench.expect(n, s.events, "export to a stream");
  }

  // ---- (b) import beside the raw batch insert
  // ----------------------------------------------------

  @Benchmark
  public long importInto(Source s, Target t) {
    ImportResult r = RunBundles.importInto(t.store, s.bundle);
    if (!r.imported()) {
      throw new IllegalStateException("the empty target store already held run " + r.runId());
    }
    return MoveBench.expect(r.eventCount(), s.events, "import");
  }

  @Benchmark
  public long ceiling(Source s, Raw r, Blackhole bh) throws SQLException, IOException {
    switch (s.scheme) {
      case "memory" -> {
        for (byte[] line : s.lines) {
          bh.consume(EventCodec.decode(line));
        }
      }
      case "file" -> {
        try (FileChannel ch =
            FileChannel.open(
                r.dir.resolve("events.ndjson"),
                StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
          ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
          for (byte[] line : s.lines) {
            if (buffer.remaining() < line.length + 1) {
              drain(ch, buffer);
            }
            if (line.length + 1 > buffer.capacity()) {
              ch.write(ByteBuffer.wrap(line));
              ch.write(ByteBuffer.wrap(new byte[] {'\n'}));
            } else {
              buffer.put(line).put((byte) '\n');
            }
          }
          drain(ch, buffer);
          ch.force(true);
        }
      }
      case "sqlite" -> {
        String run = s.id.value();
        r.control.execute("BEGIN IMMEDIATE");
        for (int i = 0; i < s.events; i++) {
          r.insert.setString(1, run);
          r.insert.setLong(2, i + 1L);
          r.insert.setString(3, r.eventIds[i]);
          r.insert.setString(4, r.types[i]);
          r.insert.setNull(5, Types.VARCHAR);
          r.insert.setString(6, r.envelopes[i]);
          r.insert.addBatch();
          if ((i + 1) % 10_000 == 0) {
            r.insert.executeBatch();
          }
        }
        r.insert.executeBatch();
        r.control.execute("COMMIT");
      }
      case "postgres" -> {
        long rows =
            r.connection
                .unwrap(PGConnection.class)
                .getCopyAPI()
                .copyIn(
                    "COPY \""
                        + r.pgSchema
                        + "\".events (run_id, seq, type, time, idem_key, body)"
                        + " FROM STDIN (FORMAT text)",
                    new ByteArrayInputStream(r.copyText));
        r.connection.commit();
        MoveBench.expect(rows, s.events, "COPY");
      }
      default -> throw new IllegalArgumentException("unknown scheme " + s.scheme);
    }
    return s.events;
  }

  private static void drain(FileChannel ch, ByteBuffer buffer) throws IOException {
    buffer.flip();
    while (buffer.hasRemaining()) {
      ch.write(buffer);
    }
    buffer.clear();
  }
}
