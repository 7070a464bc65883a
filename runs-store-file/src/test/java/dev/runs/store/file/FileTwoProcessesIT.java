package dev.runs.store.file;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runs.ConfigSnapshot;
import dev.runs.CreateResult;
import dev.runs.EventDraft;
import dev.runs.EventStream;
import dev.runs.EventTypes;
import dev.runs.Payload;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunRecord;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.SubscribeOptions;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.WorkflowRef;
import dev.runs.testkit.ChildJvm;
import dev.runs.testkit.CollectingSubscriber;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** This JVM and a child JVM share one store directory. */
final class FileTwoProcessesIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;
  Path dir;
  RunStore store;

  @BeforeEach
  void open() {
    dir = tmp.resolve("store");
    store = RunStores.open("file:" + dir + "?poll_ms=50");
  }

  @AfterEach
  void close() {
    store.close();
  }

  private RunId startedRun() {
    RunId id =
        store
            .create(
                RunRecord.builder(
                        WorkflowRef.of("w", "1"),
                        ConfigSnapshot.empty(),
                        Trigger.of(TriggerSource.TEST, "t-" + System.nanoTime()))
                    .namespace("two")
                    .build())
            .record()
            .id();
    store.append(id, EventDraft.of(EventTypes.RUN_STARTED));
    return id;
  }

  private static EventDraft text(String t) {
    return EventDraft.of(
        EventTypes.CONSOLE_LINE, Payload.of(Map.of("stream", "stdout", "text", t)));
  }

  private List<RunEvent> all(RunId id) {
    try (EventStream s = store.read(id, 0)) {
      return s.stream().toList();
    }
  }

  @Test
  @Timeout(300)
  void twoProcesses_appendToSameRuns_noInterleavingNoDuplicates() throws Exception {
    int count = 300;
    List<RunId> ids = List.of(startedRun(), startedRun(), startedRun());
    List<String> args =
        new ArrayList<>(List.of("append", dir.toString(), String.valueOf(count), "child"));
    ids.forEach(i -> args.add(i.value()));
    try (ChildJvm child = FileStoreChild.start(tmp.resolve("logs"), args.toArray(new String[0]))) {
      child.awaitLine("ready", Duration.ofSeconds(60));
      ExecutorService pool = Executors.newFixedThreadPool(ids.size());
      try {
        child.send("go");
        List<Future<?>> fs = new ArrayList<>();
        for (RunId id : ids) {
          fs.add(
              pool.submit(
                  () -> {
                    for (int n = 0; n < count; n++) {
                      if (n % 10 == 9) {
                        store.append(id, List.of(text("parent-" + n), text("parent-" + n + "-b")));
                      } else {
                        store.append(id, text("parent-" + n));
                      }
                    }
                    return null;
                  }));
        }
        for (Future<?> f : fs) {
          f.get(240, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      child.awaitSuccess(Duration.ofMinutes(4));

      Map<String, Long> childAcks = new HashMap<>();
      for (String line : child.lines()) {
        String[] f = line.split(" ", -1);
        if (f[0].equals("ack")) {
          childAcks.put(f[1] + " " + f[3], Long.parseLong(f[2]));
        }
      }
      int perProcess = count + count / 10;
      for (RunId id : ids) {
        List<RunEvent> events = all(id);
        assertThat(events).hasSize(2 + 2 * perProcess);
        Set<String> texts = new HashSet<>();
        for (int i = 0; i < events.size(); i++) {
          RunEvent e = events.get(i);
          assertThat(e.sequence()).isEqualTo(i + 1);
          e.payload()
              .text("text")
              .ifPresent(
                  t -> {
                    assertThat(texts.add(t)).as("text %s once", t).isTrue();
                    Long acked = childAcks.get(id + " " + t);
                    if (acked != null) {
                      assertThat(e.sequence())
                          .as("child's acknowledged sequence of %s", t)
                          .isEqualTo(acked);
                    }
                  });
        }
        assertThat(texts).hasSize(2 * perProcess);
        List<String> raw =
            Files.readAllLines(dir.resolve("runs").resolve(id.value()).resolve("events.ndjson"));
        assertThat(raw).hasSize(events.size());
        for (int i = 0; i < raw.size(); i++) {
          assertThat(JSON.readTree(raw.get(i)).get("sequence").asLong()).isEqualTo(i + 1);
        }
        assertThat(store.verify(id).ok()).isTrue();
      }
      assertThat(childAcks).hasSize(ids.size() * count);
    }
  }

  @Test
  @Timeout(120)
  void twoProcesses_sameTrigger_createOneRun() throws Exception {
    String trigger = "double-click-" + System.nanoTime();
    try (ChildJvm child =
        FileStoreChild.start(tmp.resolve("logs"), "create", dir.toString(), trigger)) {
      child.awaitLine("ready", Duration.ofSeconds(60));
      ExecutorService pool = Executors.newFixedThreadPool(4);
      List<CreateResult> results = new ArrayList<>();
      try {
        child.send("go");
        List<Future<CreateResult>> fs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
          fs.add(
              pool.submit(
                  () ->
                      store.create(
                          RunRecord.builder(
                                  WorkflowRef.of("w", "1"),
                                  ConfigSnapshot.empty(),
                                  Trigger.of(TriggerSource.UI, trigger))
                              .build())));
        }
        for (Future<CreateResult> f : fs) {
          results.add(f.get(60, TimeUnit.SECONDS));
        }
      } finally {
        pool.shutdownNow();
      }
      child.awaitSuccess(Duration.ofSeconds(60));
      Set<String> ids = new HashSet<>();
      int created = 0;
      for (CreateResult r : results) {
        ids.add(r.record().id().value());
        created += r.created() ? 1 : 0;
      }
      for (String line : child.lines()) {
        String[] f = line.split(" ", -1);
        if (f[0].equals("created")) {
          ids.add(f[1]);
          created += Boolean.parseBoolean(f[2]) ? 1 : 0;
        }
      }
      assertThat(ids).hasSize(1);
      assertThat(created).isEqualTo(1);
      assertThat(store.list(dev.runs.RunQuery.all()).runs()).hasSize(1);
    }
  }

  @Test
  @Timeout(120)
  void twoProcesses_leaseRace_oneWins() throws Exception {
    RunId id = startedRun();
    try (ChildJvm child =
        FileStoreChild.start(tmp.resolve("logs"), "lease", dir.toString(), id.value(), "child")) {
      child.awaitLine("ready", Duration.ofSeconds(60));
      child.send("go");
      boolean parent = store.acquireLease(id, "parent", Duration.ofMinutes(5)).isPresent();
      child.awaitSuccess(Duration.ofSeconds(60));
      boolean childWon = child.lines().contains("lease true");
      assertThat(child.lines()).containsAnyOf("lease true", "lease false");
      assertThat(parent ^ childWon).as("exactly one owner wins").isTrue();
      assertThat(store.lease(id).orElseThrow().owner()).isEqualTo(parent ? "parent" : "child");
    }
  }

  @Test
  @Timeout(120)
  void subscription_receivesEveryEventAppendedByAnotherProcess() throws Exception {
    RunId id = startedRun();
    CollectingSubscriber sub = new CollectingSubscriber(Long.MAX_VALUE);
    store
        .subscribe(id, 0, SubscribeOptions.defaults().withPollInterval(Duration.ofMillis(50)))
        .subscribe(sub);
    sub.awaitCount(2, Duration.ofSeconds(30));
    int count = 500;
    try (ChildJvm child =
        FileStoreChild.start(
            tmp.resolve("logs"), "finish", dir.toString(), id.value(), String.valueOf(count))) {
      child.awaitLine("ready", Duration.ofSeconds(60));
      child.send("go");
      sub.awaitDone(Duration.ofSeconds(90));
      child.awaitSuccess(Duration.ofSeconds(60));
    }
    assertThat(sub.error()).isNull();
    assertThat(sub.completed()).isTrue();
    List<Long> expected = new ArrayList<>();
    for (long s = 1; s <= count + 3; s++) {
      expected.add(s);
    }
    assertThat(sub.sequences()).containsExactlyElementsOf(expected);
    assertThat(sub.events().get(2).payload().text("text")).contains("child-0");
  }
}
