package dev.runs.store.file;

import dev.runs.ConfigSnapshot;
import dev.runs.CreateResult;
import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.ExpectedSequence;
import dev.runs.Payload;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunRecord;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.RunsException;
import dev.runs.StageArtifact;
import dev.runs.StageManifest;
import dev.runs.StageWrite;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.WorkflowRef;
import dev.runs.testkit.ChildJvm;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The other process of the integration tests: opens the store given on the command line and prints
 * what it did, one line per fact ({@link ChildJvm} never shows a line cut by SIGKILL). Modes:
 *
 * <ul>
 *   <li>{@code crash <dir> <runId> <tag>}: appends forever from several threads (single appends,
 *       batches of 5 and of 2,000, pipelined asynchronous appends), writes stages and creates runs;
 *       prints {@code ack <seq> <text>}, {@code stage <key> <attempt>} and {@code run <id>} once
 *       each is acknowledged;
 *   <li>{@code append <dir> <count> <tag> <runId>...}: after "go" on stdin, appends count events to
 *       each run (one thread per run), printing {@code ack <runId> <seq> <text>};
 *   <li>{@code finish <dir> <runId> <count>}: after "go", appends count events then run.completed;
 *   <li>{@code create <dir> <triggerId>}: after "go", creates a run with that trigger from 4
 *       threads;
 *   <li>{@code lease <dir> <runId> <owner>}: after "go", tries to acquire the run's lease;
 *   <li>{@code stages <dir> <runId> <megabytes>}: writes attempts of stage {@code big} with one
 *       artifact of that size forever, printing {@code stage big <attempt>} after each;
 *   <li>{@code driven <dir> <runId>}: obeys commands on stdin, one answer line each: {@code append}
 *       ({@code ack <seq>} or {@code refused <exception>}), {@code burst} (appends until refused:
 *       {@code ack} lines, then {@code refused <exception>}), {@code many} (200 appends, then
 *       {@code appended 200}), {@code entry} ({@code entry <last sequence>} or {@code entry none}),
 *       {@code exit}.
 * </ul>
 */
final class FileStoreChild {
  private FileStoreChild() {}

  /**
   * Starts a child in its own JVM.
   *
   * @param logDir where its stderr file goes
   * @param args the mode and its arguments
   * @return the running child
   */
  static ChildJvm start(Path logDir, String... args) {
    return ChildJvm.builder(FileStoreChild.class)
        .args(args)
        .jvmOptions("-Xmx256m", "-XX:TieredStopAtLevel=1")
        .stderrDirectory(logDir)
        .start();
  }

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    try (RunStore store = RunStores.open("file:" + args[1] + "?poll_ms=50")) {
      switch (mode) {
        case "crash" -> crash(store, RunId.of(args[2]), args[3]);
        case "append" -> append(store, Integer.parseInt(args[2]), args[3], args);
        case "finish" -> finish(store, RunId.of(args[2]), Integer.parseInt(args[3]));
        case "create" -> create(store, args[2]);
        case "lease" -> lease(store, RunId.of(args[2]), args[3]);
        case "stages" -> stages(store, RunId.of(args[2]), Integer.parseInt(args[3]));
        case "driven" -> driven(store, RunId.of(args[2]));
        default -> throw new IllegalArgumentException("unknown mode " + mode);
      }
    }
    say("exit");
  }

  static void say(String line) {
    synchronized (System.out) {
      System.out.println(line);
      System.out.flush();
    }
  }

  static EventDraft text(String text) {
    return EventDraft.of(
        EventTypes.CONSOLE_LINE, Payload.of(Map.of("stream", "stdout", "text", text)));
  }

  static void awaitGo() throws Exception {
    say("ready");
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line = in.readLine();
    if (!"go".equals(line)) {
      throw new IllegalStateException("expected go, got " + line);
    }
  }

  /** Runs a task; any failure ends the process with status 3 and its stack trace on stderr. */
  static Runnable guard(java.util.concurrent.Callable<?> task) {
    return () -> {
      try {
        task.call();
      } catch (Throwable t) {
        t.printStackTrace();
        System.err.flush();
        Runtime.getRuntime().halt(3);
      }
    };
  }

  private static void crash(RunStore store, RunId id, String tag) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(5);
    CountDownLatch never = new CountDownLatch(1);
    // the writers run until the parent kills this process: their futures never complete
    var unused =
        pool.submit(
            guard(
                () -> {
                  for (int n = 0; ; n++) {
                    String t = tag + "-single-" + n;
                    RunEvent e = store.append(id, text(t));
                    say("ack " + e.sequence() + " " + t);
                    if (n % 25 == 0) {
                      StageManifest m =
                          store.writeStage(
                              id,
                              StageWrite.of("step-" + (n % 3))
                                  .withOutput(Payload.of(Map.of("n", n)))
                                  .withArtifact(
                                      StageArtifact.of(
                                          "data/n.txt",
                                          "text",
                                          t.getBytes(StandardCharsets.UTF_8))));
                      say("stage " + m.stageKey() + " " + m.attempt());
                    }
                  }
                }));
    unused =
        pool.submit(
            guard(
                () -> {
                  for (int n = 0; ; n++) {
                    List<EventDraft> batch = new ArrayList<>();
                    for (int i = 0; i < 5; i++) {
                      batch.add(text(tag + "-batch-" + n + "-" + i));
                    }
                    List<RunEvent> out = store.append(id, batch);
                    for (RunEvent e : out) {
                      say("ack " + e.sequence() + " " + e.payload().text("text").orElseThrow());
                    }
                  }
                }));
    unused =
        pool.submit(
            guard(
                () -> {
                  List<CompletableFuture<List<RunEvent>>> inFlight = new ArrayList<>();
                  for (int n = 0; ; n++) {
                    inFlight.add(
                        store.appendAsync(
                            id, List.of(text(tag + "-async-" + n)), ExpectedSequence.any()));
                    if (inFlight.size() == 32) {
                      for (CompletableFuture<List<RunEvent>> f : inFlight) {
                        RunEvent e = f.join().get(0);
                        say("ack " + e.sequence() + " " + e.payload().text("text").orElseThrow());
                      }
                      inFlight.clear();
                    }
                  }
                }));
    unused =
        pool.submit(
            guard(
                () -> {
                  // large writes: the kernel checks for SIGKILL between pages, so these can be torn
                  for (int n = 0; ; n++) {
                    List<EventDraft> batch = new ArrayList<>();
                    for (int i = 0; i < 2000; i++) {
                      batch.add(text(tag + "-big-" + n + "-" + i));
                    }
                    List<RunEvent> out = store.append(id, batch);
                    for (RunEvent e : out) {
                      say("ack " + e.sequence() + " " + e.payload().text("text").orElseThrow());
                    }
                  }
                }));
    unused =
        pool.submit(
            guard(
                () -> {
                  for (int n = 0; n < 40; n++) {
                    RunRecord r =
                        RunRecord.builder(
                                WorkflowRef.of("crash", "1"),
                                ConfigSnapshot.empty(),
                                Trigger.of(TriggerSource.TEST, tag + "-run-" + n))
                            .namespace("crash")
                            .build();
                    CreateResult c = store.create(r);
                    store.append(c.record().id(), EventDraft.of(EventTypes.RUN_STARTED));
                    say("run " + c.record().id());
                  }
                  return null;
                }));
    say("ready");
    never.await();
  }

  private static void append(RunStore store, int count, String tag, String[] args)
      throws Exception {
    List<RunId> ids = new ArrayList<>();
    for (int i = 4; i < args.length; i++) {
      ids.add(RunId.of(args[i]));
      if (store.entry(RunId.of(args[i])).isEmpty()) {
        throw new IllegalStateException("run " + args[i] + " is not in the store");
      }
    }
    awaitGo();
    ExecutorService pool = Executors.newFixedThreadPool(ids.size());
    List<Future<?>> fs = new ArrayList<>();
    for (RunId id : ids) {
      fs.add(
          pool.submit(
              () -> {
                for (int n = 0; n < count; n++) {
                  String t = tag + "-" + n;
                  RunEvent e =
                      n % 10 == 9
                          ? store.append(id, List.of(text(t), text(t + "-b"))).get(0)
                          : store.append(id, text(t));
                  say("ack " + id + " " + e.sequence() + " " + t);
                }
                return null;
              }));
    }
    for (Future<?> f : fs) {
      f.get();
    }
    pool.shutdown();
    say("done");
  }

  private static void finish(RunStore store, RunId id, int count) throws Exception {
    awaitGo();
    for (int n = 0; n < count; n++) {
      store.append(id, text("child-" + n));
    }
    store.append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
    say("done");
  }

  private static void create(RunStore store, String triggerId) throws Exception {
    awaitGo();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<CreateResult>> fs = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      fs.add(
          pool.submit(
              () ->
                  store.create(
                      RunRecord.builder(
                              WorkflowRef.of("w", "1"),
                              ConfigSnapshot.empty(),
                              Trigger.of(TriggerSource.UI, triggerId))
                          .build())));
    }
    for (Future<CreateResult> f : fs) {
      CreateResult r = f.get();
      say("created " + r.record().id() + " " + r.created());
    }
    pool.shutdown();
  }

  private static void lease(RunStore store, RunId id, String owner) throws Exception {
    awaitGo();
    say("lease " + store.acquireLease(id, owner, Duration.ofMinutes(5)).isPresent());
  }

  private static void driven(RunStore store, RunId id) throws Exception {
    say("ready");
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    int n = 0;
    for (String line = in.readLine(); line != null && !line.equals("exit"); line = in.readLine()) {
      switch (line) {
        case "append", "burst" -> {
          do {
            try {
              say("ack " + store.append(id, text("driven-" + n++)).sequence());
            } catch (RunsException e) {
              say("refused " + e.getClass().getSimpleName());
              break;
            }
          } while (line.equals("burst"));
        }
        case "many" -> {
          for (int i = 0; i < 200; i++) {
            store.append(id, text("driven-" + n++));
          }
          say("appended 200");
        }
        case "entry" ->
            say(
                "entry "
                    + store.entry(id).map(e -> String.valueOf(e.lastSequence())).orElse("none"));
        default -> throw new IllegalArgumentException("unknown command " + line);
      }
    }
  }

  private static void stages(RunStore store, RunId id, int megabytes) {
    byte[] content = new byte[megabytes << 20];
    for (int i = 0; i < content.length; i++) {
      content[i] = (byte) (i * 31 + (i >>> 20));
    }
    StageWrite w = StageWrite.of("big").withArtifact(StageArtifact.of("big.bin", "bin", content));
    say("ready");
    while (true) {
      StageManifest m = store.writeStage(id, w);
      say("stage " + m.stageKey() + " " + m.attempt());
    }
  }
}
