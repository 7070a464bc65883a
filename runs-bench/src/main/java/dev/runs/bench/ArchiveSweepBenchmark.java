package dev.runs.bench;

import dev.runs.ArchiveStore;
import dev.runs.ArchiveStores;
import dev.runs.RetentionPolicy;
import dev.runs.RunArchiver;
import dev.runs.RunStore;
import dev.runs.SweepReport;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;
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

/**
 * One {@link RunArchiver#sweep()} of {@code runs} completed runs of {@code eventsPerRun} events
 * each (defaults 1,000 × 1,000, the target; 300-byte payloads) from a store of each {@code
 * scheme} to a new archive ({@code archiveKind}: {@code dir}, a local directory, or {@code s3}, a
 * new prefix on the S3 server of {@code RUNS_S3_ENDPOINT}, such as the loopback one {@code
 * .ci/s3-server start} runs), everything written, read back, verified and stubbed. Each iteration
 * fills a new store and sweeps it once; the score is seconds per sweep, so runs per second is
 * {@code runs / score} and events per second {@code runs × eventsPerRun / score}. The sweep must
 * archive every run: a failure (such as an engine that cannot stub runs yet) fails the benchmark.
 *
 * <pre>
 * java -jar runs-bench/target/benchmarks.jar ArchiveSweep -p scheme=memory
 * java -jar runs-bench/target/benchmarks.jar ArchiveSweep -p runs=200 -p eventsPerRun=1000
 * RUNS_S3_ENDPOINT=http://127.0.0.1:9309 java -jar runs-bench/target/benchmarks.jar \
 *     ArchiveSweep -p scheme=sqlite -p archiveKind=s3 -wi 0 -i 1
 * </pre>
 */
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@State(Scope.Benchmark)
public class ArchiveSweepBenchmark {
  /** Which store: memory, sqlite, file or postgres. */
  @Param({"memory", "sqlite", "file"})
  public String scheme;

  /** Where to archive: dir (a local directory) or s3 (the server of {@code RUNS_S3_ENDPOINT}). */
  @Param({"dir"})
  public String archiveKind;

  /** Runs to archive per sweep. */
  @Param({"1000"})
  public int runs;

  /** Events per run. */
  @Param({"1000"})
  public int eventsPerRun;

  Path dir;
  String pgSchema;
  RunStore store;
  ArchiveStore archive;

  /** Fills a new store with the runs (fast durability where the store has one), then reopens it. */
  @Setup(Level.Iteration)
  public void fill() {
    dir = Bench.scratch("archive-sweep-");
    pgSchema = scheme.equals("postgres") ? MoveBench.freshPgSchemaName() : null;
    Path path = dir.resolve("store");
    RunStore writer = MoveBench.open(scheme, path, pgSchema, true);
    for (int i = 0; i < runs; i++) {
      MoveBench.fill(writer, "bench/ns-" + (i % 10), eventsPerRun);
    }
    if (MoveBench.keepsData(scheme)) {
      writer.close();
      store = MoveBench.open(scheme, path, pgSchema, false);
    } else {
      store = writer;
    }
    archive = ArchiveStores.open(archiveUri(archiveKind, dir));
  }

  /**
   * @param kind dir or s3
   * @param dir the iteration's scratch directory
   * @return a new, empty archive's URI
   */
  static String archiveUri(String kind, Path dir) {
    return switch (kind) {
      case "dir" -> "dir:" + dir.resolve("archive");
      case "s3" -> {
        String endpoint = System.getenv("RUNS_S3_ENDPOINT");
        if (endpoint == null || endpoint.isBlank()) {
          throw new IllegalStateException(
              "archiveKind=s3 needs RUNS_S3_ENDPOINT, e.g. http://127.0.0.1:9309 after"
                  + " .ci/s3-server start");
        }
        // s3rver's access key; it does not check signatures, so the secret is any text
        yield "s3://runs-test/bench-"
            + UUID.randomUUID()
            + "?endpoint="
            + endpoint
            + "&region=us-east-1&path_style=true&access_key_id=S3RVER"
            + "&secret_access_key=runs-bench-secret";
      }
      default ->
          throw new IllegalArgumentException("unknown archiveKind '" + kind + "'; use dir or s3");
    };
  }

  /** Closes and deletes the store and the archive. */
  @TearDown(Level.Iteration)
  public void close() throws SQLException {
    store.close();
    archive.close();
    Bench.delete(dir);
    if (pgSchema != null) {
      PostgresAppendBenchmark.dropSchema(pgSchema);
    }
  }

  @Benchmark
  public SweepReport sweep() {
    SweepReport r = RunArchiver.of(store, archive, RetentionPolicy.keepFor(Duration.ZERO)).sweep();
    if (r.archived() != runs || r.failed() != 0) {
      throw new IllegalStateException(
          "the sweep archived "
              + r.archived()
              + " of "
              + runs
              + " runs, "
              + r.failed()
              + " failed"
              + (r.failures().isEmpty() ? "" : "; first: " + r.failures().get(0).message()));
    }
    MoveBench.expect(r.events(), (long) runs * eventsPerRun, "sweep");
    return r;
  }
}
