package dev.runs.testkit;

import static dev.runs.testkit.RunStoreContract.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.ExpectedSequence;
import dev.runs.IllegalTransitionException;
import dev.runs.LimitExceededException;
import dev.runs.Payload;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunStatus;
import dev.runs.SequenceConflictException;
import dev.runs.StoreLimits;
import dev.runs.ValidationException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Appending events: sequences, concurrency, expected sequences, idempotency keys, atomic batches,
 * transitions and limits. The contract's {@code Appending} group binds these tests to the store
 * under test.
 */
abstract class RunStoreAppendingKit extends RunStoreKit {
  RunStoreAppendingKit(RunStoreContract contract) {
    super(contract);
  }

  @Test
  @DisplayName("appended events read back equal, with sequences, ids and times assigned")
  void append_thenRead_returnsEqualEvents() {
    RunId id = startedRun();
    EventDraft draft =
        EventDraft.of(
                EventTypes.TOOL_CALL_STARTED,
                Payload.of("{\"tool_name\":\"search\",\"arguments\":{\"q\":\"runs\",\"n\":3}}"))
            .withStep("plan/search")
            .withAttempt(1)
            .withSource("engine")
            .withIdempotencyKey("k-1");

    RunEvent written = store().append(id, draft);

    assertThat(written.sequence()).isEqualTo(3);
    assertThat(written.runId()).isEqualTo(id);
    assertThat(written.stepId()).contains("plan/search");
    assertThat(written.attempt()).hasValue(1);
    assertThat(written.source()).isEqualTo("engine");
    assertThat(written.idempotencyKey()).contains("k-1");
    assertThat(written.time()).isAfterOrEqualTo(T0);
    List<RunEvent> read = all(store(), id);
    assertThat(read).hasSize(3);
    assertThat(read.get(2)).isEqualTo(written);
    assertThat(read.get(2).payload().toJsonNode().get("arguments").get("n").asInt()).isEqualTo(3);
  }

  @Test
  @DisplayName("a batch is written in order and each caller gets exactly its own events")
  void appendBatch_returnsOwnEventsInOrder() {
    RunId id = startedRun();
    List<RunEvent> out = store().append(id, List.of(line(1), line(2), line(3)));
    assertThat(out).extracting(RunEvent::sequence).containsExactly(3L, 4L, 5L);
    assertThat(out)
        .extracting(e -> e.payload().text("text").orElseThrow())
        .containsExactly("line 1", "line 2", "line 3");
  }

  @Test
  @DisplayName("8 threads appending to one run produce a gapless log with every event once")
  @Timeout(120)
  void concurrentAppends_oneRun_areGapless() throws Exception {
    RunId id = startedRun();
    int threads = 8;
    int perThread = 250;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<List<Long>>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        futures.add(
            pool.submit(
                () -> {
                  List<Long> seqs = new ArrayList<>();
                  for (int i = 0; i < perThread; i++) {
                    seqs.add(store().append(id, line(thread * 100_000 + i)).sequence());
                  }
                  return seqs;
                }));
      }
      Set<Long> acknowledged = new HashSet<>();
      for (Future<List<Long>> f : futures) {
        List<Long> seqs = f.get(120, TimeUnit.SECONDS);
        assertThat(seqs).isSorted();
        acknowledged.addAll(seqs);
      }
      assertThat(acknowledged).hasSize(threads * perThread);
      List<RunEvent> events = all(store(), id);
      assertThat(events).hasSize(threads * perThread + 2);
      assertGapless(events);
      Set<String> texts = new HashSet<>();
      for (RunEvent e : events.subList(2, events.size())) {
        texts.add(e.payload().text("text").orElseThrow());
      }
      assertThat(texts).hasSize(threads * perThread);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  @DisplayName("100 runs appended concurrently each get a gapless log")
  @Timeout(120)
  void concurrentAppends_manyRuns_areGapless() throws Exception {
    List<RunId> ids = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      ids.add(startedRun());
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<CompletableFuture<?>> all = new ArrayList<>();
      for (RunId id : ids) {
        all.add(
            CompletableFuture.runAsync(
                () -> {
                  for (int i = 0; i < 20; i++) {
                    store().append(id, line(i));
                  }
                },
                pool));
      }
      CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).get(120, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    for (RunId id : ids) {
      List<RunEvent> events = all(store(), id);
      assertThat(events).hasSize(22);
      assertGapless(events);
      assertThat(store().entry(id).orElseThrow().lastSequence()).isEqualTo(22);
    }
  }

  @Test
  @DisplayName("one producer pipelining asynchronous appends gets every event, in order")
  @Timeout(120)
  void appendAsync_pipelined_allDurableInOrder() throws Exception {
    RunId id = startedRun();
    List<CompletableFuture<RunEvent>> futures = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      futures.add(store().appendAsync(id, line(i)));
    }
    long expected = 3;
    for (CompletableFuture<RunEvent> f : futures) {
      assertThat(f.get(60, TimeUnit.SECONDS).sequence()).isEqualTo(expected++);
    }
    assertGapless(all(store(), id));
  }

  @Test
  @DisplayName("a stale expected sequence is refused and nothing is written")
  void append_staleExpectedSequence_throwsConflict() {
    RunId id = startedRun();
    store().append(id, line(1));

    assertThatThrownBy(() -> store().append(id, List.of(line(2), line(3)), ExpectedSequence.of(2)))
        .isInstanceOfSatisfying(
            SequenceConflictException.class,
            e -> {
              assertThat(e.expected()).isEqualTo(2);
              assertThat(e.actual()).isEqualTo(3);
            });
    assertThat(all(store(), id)).hasSize(3);

    List<RunEvent> ok = store().append(id, List.of(line(4)), ExpectedSequence.of(3));
    assertThat(ok.get(0).sequence()).isEqualTo(4);
  }

  @Test
  @DisplayName("only one of several writers with the same expected sequence wins")
  void append_racingExpectedSequence_oneWins() throws Exception {
    RunId id = startedRun();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        int n = i;
        results.add(
            pool.submit(
                () -> {
                  try {
                    store().append(id, List.of(line(n)), ExpectedSequence.of(2));
                    return true;
                  } catch (SequenceConflictException e) {
                    return false;
                  }
                }));
      }
      int wins = 0;
      for (Future<Boolean> f : results) {
        wins += f.get(30, TimeUnit.SECONDS) ? 1 : 0;
      }
      assertThat(wins).isEqualTo(1);
      assertThat(all(store(), id)).hasSize(3);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  @DisplayName("an idempotency key seen before returns the first event instead of writing again")
  void append_repeatedIdempotencyKey_returnsFirstEvent() {
    RunId id = startedRun();
    RunEvent first = store().append(id, line(1).withIdempotencyKey("once"));
    RunEvent second = store().append(id, line(2).withIdempotencyKey("once"));

    assertThat(second).isEqualTo(first);
    assertThat(all(store(), id)).hasSize(3);

    List<RunEvent> mixed = store().append(id, List.of(line(3).withIdempotencyKey("once"), line(4)));
    assertThat(mixed.get(0)).isEqualTo(first);
    assertThat(mixed.get(1).sequence()).isEqualTo(4);

    List<RunEvent> inOneBatch =
        store()
            .append(
                id,
                List.of(line(5).withIdempotencyKey("twice"), line(6).withIdempotencyKey("twice")));
    assertThat(inOneBatch.get(1)).isEqualTo(inOneBatch.get(0));
    assertThat(all(store(), id)).hasSize(5);
  }

  @Test
  @DisplayName("idempotency keys survive concurrent retries: one event per key")
  void append_concurrentSameKey_writesOnce() throws Exception {
    RunId id = startedRun();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<RunEvent>> results = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        int n = i;
        results.add(pool.submit(() -> store().append(id, line(n).withIdempotencyKey("retry"))));
      }
      Set<Long> seqs = new HashSet<>();
      for (Future<RunEvent> f : results) {
        seqs.add(f.get(30, TimeUnit.SECONDS).sequence());
      }
      assertThat(seqs).containsExactly(3L);
      assertThat(all(store(), id)).hasSize(3);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  @DisplayName("a batch containing one invalid event writes nothing")
  void appendBatch_oneInvalid_writesNothing() {
    RunId id = startedRun();
    EventDraft bad =
        EventDraft.of(EventTypes.TOOL_CALL_COMPLETED, Payload.of(Map.of("result", "x")));

    assertThatThrownBy(() -> store().append(id, List.of(line(1), line(2), bad)))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("tool_name")
        .hasMessageContaining("event 3 of 3");
    assertThat(all(store(), id)).hasSize(2);
  }

  @Test
  @DisplayName("a batch an illegal transition would break writes nothing")
  void appendBatch_illegalTransition_writesNothing() {
    RunId id = startedRun();
    List<EventDraft> batch = List.of(line(1), EventDraft.of(EventTypes.RUN_COMPLETED), line(2));

    assertThatThrownBy(() -> store().append(id, batch))
        .isInstanceOfSatisfying(
            IllegalTransitionException.class,
            e -> {
              assertThat(e.currentStatus()).isEqualTo(RunStatus.COMPLETED);
              assertThat(e.refusedType()).isEqualTo("console.line");
            });
    assertThat(all(store(), id)).hasSize(2);
    assertThat(store().state(id).status()).isEqualTo(RunStatus.RUNNING);
  }

  @Test
  @DisplayName("nothing is accepted after run.completed, and a second run.started is refused")
  void append_afterTerminal_isRefused() {
    RunId id = startedRun();
    assertThatThrownBy(() -> store().append(id, EventDraft.of(EventTypes.RUN_STARTED)))
        .isInstanceOf(IllegalTransitionException.class)
        .hasMessageContaining("running")
        .hasMessageContaining("run.started");
    store().append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
    assertThatThrownBy(() -> store().append(id, line(1)))
        .isInstanceOf(IllegalTransitionException.class)
        .hasMessageContaining("completed");
    assertThat(all(store(), id)).hasSize(3);
    assertThat(store().entry(id).orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
  }

  @Test
  @DisplayName("a failed run accepts work again only after run.resumed")
  void append_resumeAfterFailure_isAccepted() {
    RunId id = startedRun();
    store()
        .append(
            id,
            EventDraft.of(EventTypes.RUN_FAILED, Payload.of("{\"error\":{\"message\":\"boom\"}}")));
    assertThatThrownBy(() -> store().append(id, line(1)))
        .isInstanceOf(IllegalTransitionException.class);
    store().append(id, List.of(EventDraft.of(EventTypes.RUN_RESUMED), line(1)));
    assertThat(store().state(id).status()).isEqualTo(RunStatus.RUNNING);
  }

  @Test
  @DisplayName("types outside the taxonomy, run.created and nameless x. types are refused")
  void append_badTypes_areRefused() {
    RunId id = startedRun();
    assertThatThrownBy(() -> store().append(id, EventDraft.of("acme.thing", Map.of())))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("x.<namespace>.<name>");
    assertThatThrownBy(() -> store().append(id, EventDraft.of("x.acme", Map.of())))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("x.<namespace>.<name>");
    assertThatThrownBy(() -> store().append(id, EventDraft.of(EventTypes.RUN_CREATED)))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("run.created");
    assertThatThrownBy(() -> EventDraft.of("Tool.Call", Map.of()))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("lowercase");
    RunEvent custom = store().append(id, EventDraft.of("x.acme.score", Map.of("score", 0.93)));
    assertThat(custom.type().name()).isEqualTo("x.acme.score");
    assertThat(all(store(), id)).hasSize(3);
  }

  @Test
  @DisplayName(
      "a payload over the size limit is refused with the limit named, and nothing is written")
  void append_payloadTooLarge_throwsLimitExceeded() {
    store().close();
    useStore(
        newStore(
            dir(),
            options().toBuilder()
                .limits(StoreLimits.defaults().withMaxPayloadBytes(1000))
                .build()));
    RunId id = startedRun();
    EventDraft big =
        EventDraft.of(
            EventTypes.CONSOLE_LINE,
            Payload.of(Map.of("stream", "stdout", "text", "x".repeat(2000))));

    assertThatThrownBy(() -> store().append(id, big))
        .isInstanceOfSatisfying(
            LimitExceededException.class,
            e -> {
              assertThat(e.limit()).isEqualTo("maxPayloadBytes");
              assertThat(e.maximum()).isEqualTo(1000);
            });
    assertThat(all(store(), id)).hasSize(2);
  }

  @Test
  @DisplayName("a payload nested deeper than the limit is refused")
  void append_payloadTooDeep_throwsLimitExceeded() {
    RunId id = startedRun();
    String deep = "{\"a\":".repeat(70) + "1" + "}".repeat(70);
    EventDraft draft = EventDraft.of(dev.runs.EventType.of("x.kit.deep"), Payload.of(deep));
    assertThatThrownBy(() -> store().append(id, draft))
        .isInstanceOfSatisfying(
            LimitExceededException.class, e -> assertThat(e.limit()).isEqualTo("maxJsonDepth"));
    assertThat(all(store(), id)).hasSize(2);
  }

  @Test
  @DisplayName("type hints such as @class in a payload are stored as plain data")
  void append_typeHintsInPayload_storedAsData() {
    RunId id = startedRun();
    String json = "{\"@class\":\"java.lang.ProcessBuilder\",\"command\":[\"rm\",\"-rf\",\"/\"]}";
    RunEvent e =
        store().append(id, EventDraft.of(dev.runs.EventType.of("x.kit.data"), Payload.of(json)));
    assertThat(all(store(), id).get(2).payload().toJsonNode().get("@class").asText())
        .isEqualTo("java.lang.ProcessBuilder");
    assertThat(e.payload().toJsonNode()).isEqualTo(Payload.of(json).toJsonNode());
  }

  private static void assertGapless(List<RunEvent> events) {
    for (int i = 0; i < events.size(); i++) {
      assertThat(events.get(i).sequence()).as("sequence at index %d", i).isEqualTo(i + 1);
    }
  }
}
