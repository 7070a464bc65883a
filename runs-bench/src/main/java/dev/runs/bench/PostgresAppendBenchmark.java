package dev.runs.bench;

import dev.runs.ConfigSnapshot;
import dev.runs.EventCodec;
import dev.runs.EventDraft;
import dev.runs.EventId;
import dev.runs.EventTypes;
import dev.runs.Payload;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.RunStoreOptions;
import dev.runs.RunStores;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.WorkflowRef;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Durable append throughput of the {@code postgres:} store beside its ceiling. Scores are events
 * per second; every event is committed (PostgreSQL's default {@code synchronous_commit=on}) before
 * its append returns.
 *
 * <ul>
 *   <li>{@code store_wNN}: NN writer threads, each appending one {@code console.line} at a time to
 *       its own run through {@code RunStore.append} (validation, redaction, state machine, group
 *       commit, the run-row lock, the head update and the notification included).
 *   <li>{@code ceiling_wNN}: raw JDBC into the same {@code events} table, same row shape and body
 *       size, with the batch size the store's group commit reaches with NN writers: one connection
 *       inserts NN rows per transaction ({@code addBatch}/{@code executeBatch}, then {@code
 *       commit}) and nothing else. Scores count rows.
 * </ul>
 *
 * <p>The server is {@code RUNS_PG_URL} (default {@code postgres://postgres@127.0.0.1:5432/test});
 * each trial works in a fresh schema, dropped afterwards. The store runs with its default single
 * commit lane ({@code -p lanes=N} tries others), so its effective batch size is the writer count;
 * each store trial prints the events per commit it reached (from the rows' {@code xmin}).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(1)
public class PostgresAppendBenchmark {
  static final String URL = urlFromEnvironment();

  private static String urlFromEnvironment() {
    String v = System.getenv("RUNS_PG_URL");
    return v == null || v.isBlank() ? "postgres://postgres@127.0.0.1:5432/test" : v.trim();
  }

  /** The text of every appended line: about 100 bytes, like a console line. */
  static final String TEXT =
      "step 3/7: fetched 1,024 rows from the source table in 12 ms; "
          + "validating against schema v2 now";

  /** The store, on a fresh schema per trial. */
  @State(Scope.Benchmark)
  public static class Store {
    /** Commit lanes; 0 lets the store choose. */
    @Param({"0"})
    public int lanes;

    RunStore store;
    String schema;

    @Setup(Level.Trial)
    public void open() {
      schema = "bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
      RunStoreOptions.Builder options = RunStoreOptions.builder();
      if (lanes > 0) {
        options.commitLanes(lanes);
      }
      store =
          RunStores.open(
              URL + (URL.contains("?") ? "&" : "?") + "schema=" + schema + "&pool_size=20",
              options.build());
    }

    RunId newRun() {
      RunId id =
          store
              .create(
                  dev.runs.RunRecord.builder(
                          WorkflowRef.of("bench", "1"),
                          ConfigSnapshot.empty(),
                          Trigger.of(TriggerSource.TEST, "bench-" + UUID.randomUUID()))
                      .namespace("bench")
                      .build())
              .record()
              .id();
      store.append(id, EventDraft.of(EventTypes.RUN_STARTED));
      return id;
    }

    @TearDown(Level.Trial)
    public void close() throws SQLException {
      store.close();
      // each event row carries the id of the transaction that inserted it
      try (Connection c = connect();
          Statement st = c.createStatement();
          java.sql.ResultSet rs =
              st.executeQuery(
                  "SELECT count(*), count(DISTINCT xmin::text)"
                      + " FROM \""
                      + schema
                      + "\".events WHERE type = 'console.line'")) {
        rs.next();
        System.out.printf(
            "%n[postgres] %d events in %d commits: %.1f events per commit%n",
            rs.getLong(1), rs.getLong(2), rs.getLong(1) / (double) Math.max(1, rs.getLong(2)));
      }
      dropSchema(schema);
    }
  }

  /** One writer: its own run. */
  @State(Scope.Thread)
  public static class Writer {
    RunId run;
    EventDraft draft;

    @Setup(Level.Trial)
    public void create(Store s) {
      run = s.newRun();
      draft =
          EventDraft.of(
              EventTypes.CONSOLE_LINE, Payload.of(Map.of("stream", "stdout", "text", TEXT)));
    }
  }

  @Benchmark
  @Threads(1)
  public RunEvent store_w01(Store s, Writer w) {
    return s.store.append(w.run, w.draft);
  }

  @Benchmark
  @Threads(4)
  public RunEvent store_w04(Store s, Writer w) {
    return s.store.append(w.run, w.draft);
  }

  @Benchmark
  @Threads(16)
  public RunEvent store_w16(Store s, Writer w) {
    return s.store.append(w.run, w.draft);
  }

  // ---- the ceiling
  // -------------------------------------------------------------------------------

  /** Raw JDBC on one connection into a fresh copy of the store's schema. */
  @State(Scope.Thread)
  public static class Raw {
    Connection connection;
    PreparedStatement insert;
    String schema;
    String runId;
    String body;
    long seq;

    @Setup(Level.Trial)
    public void open() throws SQLException {
      schema = "bench_raw_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
      // let the store create the tables, so the ceiling writes to exactly the same table
      RunStores.open(URL + (URL.contains("?") ? "&" : "?") + "schema=" + schema).close();
      connection = connect();
      connection.setAutoCommit(false);
      runId = "bench/" + UUID.randomUUID();
      Instant now = Instant.now();
      RunEvent sample =
          new RunEvent(
              RunEvent.SCHEMA,
              EventId.random(),
              RunId.of(runId),
              1,
              EventTypes.CONSOLE_LINE,
              now,
              Optional.empty(),
              OptionalInt.empty(),
              Optional.empty(),
              "host",
              Optional.empty(),
              Payload.of(Map.of("stream", "stdout", "text", TEXT)),
              Map.of());
      body = EventCodec.encode(sample);
      insert =
          connection.prepareStatement(
              "INSERT INTO \""
                  + schema
                  + "\".events"
                  + " (run_id, seq, type, time, idem_key, body) VALUES (?, ?, ?, ?, ?, ?)");
    }

    void batch(int rows) throws SQLException {
      OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
      for (int i = 0; i < rows; i++) {
        insert.setString(1, runId);
        insert.setLong(2, ++seq);
        insert.setString(3, "console.line");
        insert.setObject(4, now);
        insert.setString(5, null);
        insert.setString(6, body);
        insert.addBatch();
      }
      insert.executeBatch();
      connection.commit();
    }

    @TearDown(Level.Trial)
    public void close() throws SQLException {
      insert.close();
      connection.close();
      dropSchema(schema);
    }
  }

  @Benchmark
  @OperationsPerInvocation(1)
  public void ceiling_w01(Raw r) throws SQLException {
    r.batch(1);
  }

  @Benchmark
  @OperationsPerInvocation(4)
  public void ceiling_w04(Raw r) throws SQLException {
    r.batch(4);
  }

  @Benchmark
  @OperationsPerInvocation(16)
  public void ceiling_w16(Raw r) throws SQLException {
    r.batch(16);
  }

  // ---- helpers
  // -----------------------------------------------------------------------------------

  static Connection connect() throws SQLException {
    // postgres://user[:password]@host[:port]/db?... -> JDBC URL and properties
    String rest = URL.substring(URL.indexOf("://") + 3);
    int q = rest.indexOf('?');
    if (q >= 0) {
      rest = rest.substring(0, q);
    }
    Properties props = new Properties();
    int at = rest.lastIndexOf('@');
    if (at >= 0) {
      String userInfo = rest.substring(0, at);
      rest = rest.substring(at + 1);
      int colon = userInfo.indexOf(':');
      props.setProperty("user", colon < 0 ? userInfo : userInfo.substring(0, colon));
      if (colon >= 0) {
        props.setProperty("password", userInfo.substring(colon + 1));
      }
    }
    return DriverManager.getConnection("jdbc:postgresql://" + rest, props);
  }

  static void dropSchema(String schema) throws SQLException {
    try (Connection c = connect();
        Statement st = c.createStatement()) {
      st.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
    }
  }
}
