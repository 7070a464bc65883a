package dev.runs.bench;

import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.ExpectedSequence;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.RunStores;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/** What the move benchmarks share: opening stores by scheme and filling runs. */
final class MoveBench {
  private MoveBench() {}

  /**
   * @param scheme memory, sqlite, file or postgres
   * @return whether the store keeps its data after closing (and is reopened after filling)
   */
  static boolean keepsData(String scheme) {
    return !scheme.equals("memory");
  }

  /**
   * Opens a store.
   *
   * @param scheme memory, sqlite, file or postgres
   * @param path where a sqlite or file store lives
   * @param pgSchema the PostgreSQL schema, for postgres
   * @param fast true to fill: no forcing where the store allows it (sqlite, file)
   * @return the store
   */
  static RunStore open(String scheme, Path path, String pgSchema, boolean fast) {
    return switch (scheme) {
      case "memory" -> RunStores.open("memory:");
      case "sqlite" ->
          RunStores.open("sqlite:" + path + ".db" + (fast ? "?durability=normal" : ""));
      case "file" -> RunStores.open("file:" + path + (fast ? "?durability=none" : ""));
      case "postgres" -> RunStores.open(pgUri(pgSchema));
      default ->
          throw new IllegalArgumentException(
              "unknown scheme '" + scheme + "'; use memory, sqlite, file or postgres");
    };
  }

  static String pgUri(String schema) {
    String url = PostgresAppendBenchmark.URL;
    return url + (url.contains("?") ? "&" : "?") + "schema=" + schema;
  }

  /**
   * Writes a completed run of exactly {@code events} events: run.created, run.started, console
   * lines with 300-byte payloads, run.completed.
   *
   * @param store the store
   * @param namespace the run's namespace
   * @param events how many events, at least 3
   * @return the run
   */
  static RunId fill(RunStore store, String namespace, int events) {
    if (events < 3) {
      throw new IllegalArgumentException("a run needs at least 3 events, not " + events);
    }
    RunId id = BenchFiles.startedRun(store, namespace);
    List<EventDraft> batch = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      batch.add(Bench.EVENT);
    }
    List<CompletableFuture<List<RunEvent>>> pending = new ArrayList<>();
    int remaining = events - 3;
    while (remaining > 0) {
      List<EventDraft> drafts = remaining >= batch.size() ? batch : batch.subList(0, remaining);
      pending.add(store.appendAsync(id, drafts, ExpectedSequence.any()));
      remaining -= drafts.size();
      if (pending.size() >= 16) {
        pending.remove(0).join();
      }
    }
    pending.forEach(CompletableFuture::join);
    store.append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
    expect(store.entry(id).orElseThrow().lastSequence(), events, "fill");
    return id;
  }

  static long expect(long actual, long expected, String what) {
    if (actual != expected) {
      throw new IllegalStateException(what + ": " + actual + " events, expected " + expected);
    }
    return actual;
  }

  /**
   * @return a new PostgreSQL schema name for one trial or invocation
   */
  static String freshPgSchemaName() {
    return "bench_move_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  }
}
