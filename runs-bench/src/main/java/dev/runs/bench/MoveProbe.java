package dev.runs.bench;

import dev.runs.ArchiveStore;
import dev.runs.ArchiveStores;
import dev.runs.RetentionPolicy;
import dev.runs.RunArchiver;
import dev.runs.RunBundles;
import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.RunStores;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;

/**
 * Asks a store of each kind, on a three-event run, whether it can import and archive runs: engines
 * gain those abilities one by one, and {@link BenchReport} runs the bundle import and archive
 * benchmarks only where they exist (and says so under its table). Only {@link
 * UnsupportedOperationException}, the engines' "not yet", counts as no; any other failure is
 * thrown.
 */
final class MoveProbe {
  private MoveProbe() {}

  /**
   * @param scheme memory, sqlite, file or postgres
   * @return whether {@link RunBundles#importInto} works on a new store of the kind
   */
  static boolean canImport(String scheme) {
    return probe(
        scheme,
        (store, dir) -> {
          Path bundle = dir.resolve("probe" + RunBundles.SUFFIX);
          try (RunStore source = RunStores.memory()) {
            RunBundles.export(source, MoveBench.fill(source, "probe", 3), bundle);
          }
          RunBundles.importInto(store, bundle);
        });
  }

  /**
   * @param scheme memory, sqlite, file or postgres
   * @return whether {@link RunArchiver#archive} works on a new store of the kind
   */
  static boolean canArchive(String scheme) {
    return probe(
        scheme,
        (store, dir) -> {
          RunId id = MoveBench.fill(store, "probe", 3);
          try (ArchiveStore archive = ArchiveStores.open("dir:" + dir.resolve("archive"))) {
            RunArchiver.of(store, archive, RetentionPolicy.keepFor(Duration.ZERO)).archive(id);
          }
        });
  }

  private interface Attempt {
    void run(RunStore store, Path dir);
  }

  private static boolean probe(String scheme, Attempt attempt) {
    Path dir = Bench.scratch("move-probe-");
    String pgSchema = scheme.equals("postgres") ? MoveBench.freshPgSchemaName() : null;
    try (RunStore store = MoveBench.open(scheme, dir.resolve("store"), pgSchema, false)) {
      attempt.run(store, dir);
      return true;
    } catch (UnsupportedOperationException e) {
      return false;
    } finally {
      Bench.delete(dir);
      if (pgSchema != null) {
        try {
          PostgresAppendBenchmark.dropSchema(pgSchema);
        } catch (SQLException e) {
          System.err.println("cannot drop the probe's schema " + pgSchema + ": " + e);
        }
      }
    }
  }
}
