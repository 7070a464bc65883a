package dev.runs.store.postgres;

import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.Lease;
import dev.runs.Payload;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A separate instance for the multi-instance tests, started in its own JVM. The store URI comes
 * from the environment variable {@code RUNS_CHILD_STORE_URI} (not the command line, so a password
 * never shows in a process list). It prints {@code READY}, waits for a line on stdin, works, and
 * reports on stdout.
 *
 * <ul>
 *   <li>{@code append <child> <perRun> <threads> <run ids...>}: appends to every run {@code perRun}
 *       times from {@code threads} threads in shuffled order; each append carries a key unique to
 *       this child and a key shared by all children, every fifth also a keyless event. Prints
 *       {@code ACK <run> <seq> <event id> <key or ->} per event acknowledged, then {@code DONE}.
 *   <li>{@code lease <owner> <ttl ms> <steps> <run id>}: acquires the run's lease and runs steps
 *       ({@code step.started}, some work, {@code step.completed}), renewing the lease before each;
 *       prints {@code LEASED}, then {@code STEP <id> DONE <seq>} per step. Meant to be killed.
 * </ul>
 */
final class StoreChildProcess {
  private StoreChildProcess() {}

  /**
   * Starts an instance in its own JVM.
   *
   * @param name the instance's name, for messages and its stderr file
   * @param storeUri the store to open, passed in the environment
   * @param dir where its stderr file goes
   * @param args the mode and its arguments
   * @return the running child
   */
  static ChildJvm start(String name, String storeUri, Path dir, String... args) {
    return ChildJvm.builder(StoreChildProcess.class)
        .name(name)
        .args(args)
        .env("RUNS_CHILD_STORE_URI", storeUri)
        .stderrDirectory(dir)
        .start();
  }

  public static void main(String[] args) throws Exception {
    String uri = System.getenv("RUNS_CHILD_STORE_URI");
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    try (RunStore store = RunStores.open(uri)) {
      out.println("READY");
      out.flush();
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      if (in.readLine() == null) {
        return;
      }
      switch (args[0]) {
        case "append" -> append(store, out, args);
        case "lease" -> lease(store, out, args);
        default -> throw new IllegalArgumentException("unknown mode " + args[0]);
      }
    }
    out.flush();
  }

  private static EventDraft line(String text) {
    return EventDraft.of(
        EventTypes.CONSOLE_LINE, Payload.of(Map.of("stream", "stdout", "text", text)));
  }

  private static void append(RunStore store, PrintStream out, String[] args) throws Exception {
    int child = Integer.parseInt(args[1]);
    int perRun = Integer.parseInt(args[2]);
    int threads = Integer.parseInt(args[3]);
    List<RunId> runs = new ArrayList<>();
    for (int i = 4; i < args.length; i++) {
      runs.add(RunId.of(args[i]));
    }
    record Task(RunId run, int j) {}
    List<Task> tasks = new ArrayList<>();
    for (RunId r : runs) {
      for (int j = 0; j < perRun; j++) {
        tasks.add(new Task(r, j));
      }
    }
    Collections.shuffle(tasks, new Random(child));
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int first = t;
        done.add(
            pool.submit(
                () -> {
                  for (int i = first; i < tasks.size(); i += threads) {
                    Task task = tasks.get(i);
                    List<EventDraft> drafts = new ArrayList<>();
                    drafts.add(
                        line("child " + child + " j " + task.j())
                            .withIdempotencyKey("u-c" + child + "-j" + task.j()));
                    drafts.add(line("shared j " + task.j()).withIdempotencyKey("s-j" + task.j()));
                    if (task.j() % 5 == 0) {
                      drafts.add(line("child " + child + " keyless j " + task.j()));
                    }
                    List<RunEvent> acked = store.append(task.run(), drafts);
                    StringBuilder sb = new StringBuilder();
                    for (RunEvent e : acked) {
                      sb.append("ACK ")
                          .append(e.runId().value())
                          .append(' ')
                          .append(e.sequence())
                          .append(' ')
                          .append(e.eventId().value())
                          .append(' ')
                          .append(e.idempotencyKey().orElse("-"))
                          .append('\n');
                    }
                    synchronized (out) {
                      out.print(sb);
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get(5, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    synchronized (out) {
      out.println("DONE");
      out.flush();
    }
  }

  private static void lease(RunStore store, PrintStream out, String[] args) throws Exception {
    String owner = args[1];
    Duration ttl = Duration.ofMillis(Long.parseLong(args[2]));
    int steps = Integer.parseInt(args[3]);
    RunId run = RunId.of(args[4]);
    Optional<Lease> lease = store.acquireLease(run, owner, ttl);
    if (lease.isEmpty()) {
      out.println("NOT-LEASED");
      out.flush();
      System.exit(3);
    }
    out.println("LEASED");
    out.flush();
    for (int k = 1; k <= steps; k++) {
      if (store.renewLease(run, owner, ttl).isEmpty()) {
        out.println("LOST-LEASE");
        out.flush();
        System.exit(4);
      }
      String step = "s" + k;
      store.append(
          run,
          EventDraft.of(EventTypes.STEP_STARTED)
              .withStep(step)
              .withAttempt(1)
              .withIdempotencyKey("start-" + step + "-1"));
      Thread.sleep(100); // the step's work
      RunEvent done =
          store.append(
              run,
              EventDraft.of(
                      EventTypes.STEP_COMPLETED,
                      Payload.of(Map.of("output", Map.of("step", step, "by", owner))))
                  .withStep(step)
                  .withAttempt(1)
                  .withIdempotencyKey("done-" + step));
      out.println("STEP " + step + " DONE " + done.sequence());
      out.flush();
    }
    out.println("FINISHED");
    out.flush();
  }
}
