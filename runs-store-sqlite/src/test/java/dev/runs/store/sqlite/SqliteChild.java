package dev.runs.store.sqlite;

import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.testkit.ChildJvm;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The second process of the multi-process tests, started with the test class path. Modes:
 *
 * <ul>
 *   <li>{@code append <db> <run> <threads> <perThread> <prefix>}: prints {@code READY}, waits for a
 *       line on stdin, appends {@code threads * perThread} events ({@code <prefix>-<t>-<i>}) from
 *       that many threads, prints {@code DONE}.
 *   <li>{@code crash <db> <run> <threads> <seed>}: appends batches of 1 to 5 events forever from
 *       that many threads and prints {@code ACK <batch> <size> <lastSequence>} once each batch is
 *       durable, until killed.
 *   <li>{@code finish <db> <run> <count>}: appends {@code count} events one by one, then {@code
 *       run.completed}; prints {@code DONE}.
 * </ul>
 */
final class SqliteChild {
  private SqliteChild() {}

  /**
   * Starts a child in its own JVM.
   *
   * @param workDir where its stderr file goes
   * @param args the mode and its arguments
   * @return the running child
   */
  static ChildJvm start(Path workDir, String... args) {
    return ChildJvm.builder(SqliteChild.class)
        .args(args)
        .jvmOptions("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")
        .stderrDirectory(workDir)
        .start();
  }

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    String mode = args[0];
    try (RunStore store = RunStores.open("sqlite:" + args[1])) {
      RunId run = RunId.of(args[2]);
      switch (mode) {
        case "append" ->
            append(store, run, Integer.parseInt(args[3]), Integer.parseInt(args[4]), args[5], out);
        case "crash" -> crash(store, run, Integer.parseInt(args[3]), Long.parseLong(args[4]), out);
        case "finish" -> finish(store, run, Integer.parseInt(args[3]), out);
        default -> throw new IllegalArgumentException("unknown mode " + mode);
      }
    }
  }

  private static void append(
      RunStore store, RunId run, int threads, int perThread, String prefix, PrintStream out)
      throws Exception {
    out.println("READY");
    out.flush();
    new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        futures.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < perThread; i++) {
                    store.append(run, Fixtures.line(prefix + "-" + thread + "-" + i));
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    out.println("DONE");
    out.flush();
  }

  private static void crash(RunStore store, RunId run, int threads, long seed, PrintStream out)
      throws Exception {
    AtomicLong batches = new AtomicLong();
    String process = Long.toString(ProcessHandle.current().pid());
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Random random = new Random(seed + t);
      Thread w =
          new Thread(
              () -> {
                while (true) {
                  String batch = process + "." + batches.incrementAndGet();
                  int size = 1 + random.nextInt(5);
                  List<EventDraft> drafts = new ArrayList<>(size);
                  for (int i = 0; i < size; i++) {
                    drafts.add(Fixtures.line(batch + "/" + i + "/" + size));
                  }
                  List<RunEvent> written = store.append(run, drafts);
                  synchronized (out) {
                    out.println(
                        "ACK " + batch + " " + size + " " + written.get(size - 1).sequence());
                    out.flush();
                  }
                }
              },
              "crash-writer-" + t);
      w.start();
      workers.add(w);
    }
    for (Thread w : workers) {
      w.join();
    }
  }

  private static void finish(RunStore store, RunId run, int count, PrintStream out) {
    for (int i = 0; i < count; i++) {
      store.append(run, Fixtures.line("child-" + i));
    }
    store.append(run, EventDraft.of(EventTypes.RUN_COMPLETED));
    out.println("DONE");
    out.flush();
  }
}
