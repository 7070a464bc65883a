package dev.runs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.runs.ConfigSnapshot;
import dev.runs.CreateResult;
import dev.runs.EventDraft;
import dev.runs.EventStream;
import dev.runs.EventTypes;
import dev.runs.ExpectedSequence;
import dev.runs.IllegalTransitionException;
import dev.runs.Lease;
import dev.runs.LimitExceededException;
import dev.runs.Payload;
import dev.runs.RunAlreadyExistsException;
import dev.runs.RunChange;
import dev.runs.RunEntry;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import dev.runs.RunPage;
import dev.runs.RunQuery;
import dev.runs.RunRecord;
import dev.runs.RunState;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunStoreOptions;
import dev.runs.SequenceConflictException;
import dev.runs.StageArtifact;
import dev.runs.StageExistsException;
import dev.runs.StageManifest;
import dev.runs.StageWrite;
import dev.runs.StoreClosedException;
import dev.runs.StoreLimits;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.ValidationException;
import dev.runs.WorkflowRef;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store conformance suite. Every store module's tests extend it and supply a factory; a
 * behaviour this suite does not check is not a promise of any store.
 *
 * <pre>{@code
 * final class SqliteRunStoreContractTest extends RunStoreContract {
 *   @Override
 *   protected RunStore newStore(Path dir, RunStoreOptions options) {
 *     return RunStores.open("sqlite:" + dir.resolve("runs.db"), options);
 *   }
 * }
 * }</pre>
 *
 * <p>{@link #newStore} is called with a fresh temporary directory for each test, and again with
 * the same directory to check that data survives a close and reopen (unless {@link #isDurable()}
 * is false). Optional features are behind capability methods; tests of a missing feature are
 * skipped with {@code assumeTrue}.
 */
public abstract class RunStoreContract {

  /** The start of the kit's clock. */
  protected static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  /** Temporary directory for the store under test. */
  @TempDir protected Path dir;

  /** The clock the store runs on: advances 1 ms per read. */
  protected TestClock clock;

  /** The store under test, opened before each test and closed after. */
  protected RunStore store;

  /**
   * Opens the store under test.
   *
   * @param dir a directory the store may use (empty the first time; the same directory again
   *     for reopen tests)
   * @param options the options to open with (the kit sets a test clock)
   * @return the open store
   */
  protected abstract RunStore newStore(Path dir, RunStoreOptions options);

  /** @return false for stores whose data does not survive close (the memory store) */
  protected boolean isDurable() {
    return true;
  }

  /**
   * The bytes the store keeps on its medium, for the redaction check. The default reads every
   * file under {@link #dir}; override for a store whose medium is elsewhere.
   *
   * @return the raw bytes, or empty when the medium cannot be inspected
   */
  protected Optional<byte[]> rawBytes() {
    if (!isDurable()) {
      return Optional.empty();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        out.write(Files.readAllBytes(p));
      }
      return Optional.of(out.toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** @return options with the kit's clock */
  protected RunStoreOptions options() {
    return RunStoreOptions.builder().clock(clock).build();
  }

  @BeforeEach
  void openStore() {
    clock = TestClock.ticking(T0, Duration.ofMillis(1));
    store = newStore(dir, options());
  }

  @AfterEach
  void closeStore() {
    if (store != null) {
      store.close();
    }
  }

  /** Closes the store and opens it again on the same directory. */
  protected void reopen() {
    store.close();
    store = newStore(dir, options());
  }

  // ---- helpers -----------------------------------------------------------------------------------

  /** @return a record with a fresh trigger id */
  protected RunRecord record() {
    return recordBuilder().build();
  }

  /** @return a builder with a fresh trigger id and a small config */
  protected RunRecord.Builder recordBuilder() {
    return RunRecord.builder(WorkflowRef.of("kit-workflow", "1"),
        ConfigSnapshot.builder().model("acme", "m-1").param("temperature", 0.2).build(),
        Trigger.of(TriggerSource.TEST, "kit-" + UUID.randomUUID(), "kit"));
  }

  /** @return the id of a new run in status created */
  protected RunId createRun() {
    return store.create(record()).record().id();
  }

  /** @return the id of a new run in status running */
  protected RunId startedRun() {
    RunId id = createRun();
    store.append(id, EventDraft.of(EventTypes.RUN_STARTED));
    return id;
  }

  /**
   * @param n a number for the text
   * @return a {@code console.line} draft
   */
  protected static EventDraft line(int n) {
    return EventDraft.of(EventTypes.CONSOLE_LINE,
        Payload.of(Map.of("stream", "stdout", "text", "line " + n)));
  }

  /**
   * @param store the store
   * @param id a run
   * @return all its events
   */
  protected static List<RunEvent> all(RunStore store, RunId id) {
    List<RunEvent> out = new ArrayList<>();
    try (EventStream s = store.read(id, 0)) {
      s.forEachRemaining(out::add);
    }
    return out;
  }

  private static void assertGapless(List<RunEvent> events) {
    for (int i = 0; i < events.size(); i++) {
      assertThat(events.get(i).sequence()).as("sequence at index %d", i).isEqualTo(i + 1);
    }
  }

  private static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  // ---- creating runs -----------------------------------------------------------------------------

  @Nested
  @DisplayName("Creating runs")
  class Creating {
    @Test
    @DisplayName("a created run can be read back, with run.created at sequence 1 and status created")
    void create_thenGet_returnsRecordAndFirstEvent() {
      RunRecord r = recordBuilder().namespace("acme/etl").threadKey("thread-7").label("team", "data").build();
      CreateResult result = store.create(r);

      assertThat(result.created()).isTrue();
      RunRecord stored = store.get(r.id()).orElseThrow();
      assertThat(stored.id()).isEqualTo(r.id());
      assertThat(stored.namespace()).isEqualTo("acme/etl");
      assertThat(stored.threadKey()).contains("thread-7");
      assertThat(stored.labels()).containsEntry("team", "data");
      assertThat(stored.config().sha256()).isEqualTo(r.config().sha256());
      assertThat(stored.trigger().triggerId()).isEqualTo(r.trigger().triggerId());
      assertThat(stored).isEqualTo(result.record());
      List<RunEvent> events = all(store, r.id());
      assertThat(events).hasSize(1);
      assertThat(events.get(0).type()).isEqualTo(EventTypes.RUN_CREATED);
      assertThat(events.get(0).sequence()).isEqualTo(1);
      assertThat(store.state(r.id()).status()).isEqualTo(RunStatus.CREATED);
      assertThat(store.entry(r.id()).orElseThrow().status()).isEqualTo(RunStatus.CREATED);
    }

    @Test
    @DisplayName("a second create with the same id and another trigger is refused")
    void create_sameIdOtherTrigger_throwsAlreadyExists() {
      RunRecord first = record();
      store.create(first);
      RunRecord second = recordBuilder().id(first.id()).build();

      assertThatThrownBy(() -> store.create(second))
          .isInstanceOf(RunAlreadyExistsException.class)
          .hasMessageContaining(first.id().value());
      assertThat(all(store, first.id())).hasSize(1);
    }

    @Test
    @DisplayName("a create repeating a trigger id returns the existing run and writes nothing")
    void create_sameTriggerId_returnsExisting() {
      RunRecord first = record();
      store.create(first);
      RunRecord again = RunRecord.builder(first.workflow(), first.config(), first.trigger()).build();

      CreateResult result = store.create(again);

      assertThat(result.created()).isFalse();
      assertThat(result.record().id()).isEqualTo(first.id());
      assertThat(store.get(again.id())).isEmpty();
      assertThat(store.findByTrigger(first.trigger().triggerId()).orElseThrow().id()).isEqualTo(first.id());
      assertThat(store.list(RunQuery.all()).runs()).hasSize(1);
    }

    @Test
    @DisplayName("unknown runs are empty lookups, and reads of them fail with RunNotFoundException")
    void unknownRun_isEmptyOrNotFound() {
      RunId missing = RunId.of("no-such-run");
      assertThat(store.get(missing)).isEmpty();
      assertThat(store.entry(missing)).isEmpty();
      assertThat(store.findByTrigger("no-such-trigger")).isEmpty();
      assertThatThrownBy(() -> store.read(missing, 0)).isInstanceOf(RunNotFoundException.class);
      assertThatThrownBy(() -> store.state(missing)).isInstanceOf(RunNotFoundException.class);
      assertThatThrownBy(() -> store.append(missing, line(1))).isInstanceOf(RunNotFoundException.class);
    }

    @Test
    @DisplayName("concurrent creates with one trigger id create exactly one run")
    void create_concurrentSameTrigger_createsOne() throws Exception {
      Trigger trigger = Trigger.of(TriggerSource.UI, "double-click-" + UUID.randomUUID());
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<CreateResult>> results = new ArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        for (int i = 0; i < 8; i++) {
          results.add(pool.submit(() -> {
            go.await();
            return store.create(RunRecord.builder(WorkflowRef.of("w", "1"), ConfigSnapshot.empty(), trigger).build());
          }));
        }
        go.countDown();
        Set<RunId> ids = new HashSet<>();
        int created = 0;
        for (Future<CreateResult> f : results) {
          CreateResult r = f.get(30, TimeUnit.SECONDS);
          ids.add(r.record().id());
          created += r.created() ? 1 : 0;
        }
        assertThat(ids).hasSize(1);
        assertThat(created).isEqualTo(1);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  // ---- appending ---------------------------------------------------------------------------------

  @Nested
  @DisplayName("Appending events")
  class Appending {
    @Test
    @DisplayName("appended events read back equal, with sequences, ids and times assigned")
    void append_thenRead_returnsEqualEvents() {
      RunId id = startedRun();
      EventDraft draft = EventDraft.of(EventTypes.TOOL_CALL_STARTED,
              Payload.of("{\"tool_name\":\"search\",\"arguments\":{\"q\":\"runs\",\"n\":3}}"))
          .withStep("plan/search").withAttempt(1).withSource("engine").withIdempotencyKey("k-1");

      RunEvent written = store.append(id, draft);

      assertThat(written.sequence()).isEqualTo(3);
      assertThat(written.runId()).isEqualTo(id);
      assertThat(written.stepId()).contains("plan/search");
      assertThat(written.attempt()).hasValue(1);
      assertThat(written.source()).isEqualTo("engine");
      assertThat(written.idempotencyKey()).contains("k-1");
      assertThat(written.time()).isAfterOrEqualTo(T0);
      List<RunEvent> read = all(store, id);
      assertThat(read).hasSize(3);
      assertThat(read.get(2)).isEqualTo(written);
      assertThat(read.get(2).payload().toJsonNode().get("arguments").get("n").asInt()).isEqualTo(3);
    }

    @Test
    @DisplayName("a batch is written in order and each caller gets exactly its own events")
    void appendBatch_returnsOwnEventsInOrder() {
      RunId id = startedRun();
      List<RunEvent> out = store.append(id, List.of(line(1), line(2), line(3)));
      assertThat(out).extracting(RunEvent::sequence).containsExactly(3L, 4L, 5L);
      assertThat(out).extracting(e -> e.payload().text("text").orElseThrow())
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
          futures.add(pool.submit(() -> {
            List<Long> seqs = new ArrayList<>();
            for (int i = 0; i < perThread; i++) {
              seqs.add(store.append(id, line(thread * 100_000 + i)).sequence());
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
        List<RunEvent> events = all(store, id);
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
          all.add(CompletableFuture.runAsync(() -> {
            for (int i = 0; i < 20; i++) {
              store.append(id, line(i));
            }
          }, pool));
        }
        CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).get(120, TimeUnit.SECONDS);
      } finally {
        pool.shutdownNow();
      }
      for (RunId id : ids) {
        List<RunEvent> events = all(store, id);
        assertThat(events).hasSize(22);
        assertGapless(events);
        assertThat(store.entry(id).orElseThrow().lastSequence()).isEqualTo(22);
      }
    }

    @Test
    @DisplayName("one producer pipelining asynchronous appends gets every event, in order")
    @Timeout(120)
    void appendAsync_pipelined_allDurableInOrder() throws Exception {
      RunId id = startedRun();
      List<CompletableFuture<RunEvent>> futures = new ArrayList<>();
      for (int i = 0; i < 5_000; i++) {
        futures.add(store.appendAsync(id, line(i)));
      }
      long expected = 3;
      for (CompletableFuture<RunEvent> f : futures) {
        assertThat(f.get(60, TimeUnit.SECONDS).sequence()).isEqualTo(expected++);
      }
      assertGapless(all(store, id));
    }

    @Test
    @DisplayName("a stale expected sequence is refused and nothing is written")
    void append_staleExpectedSequence_throwsConflict() {
      RunId id = startedRun();
      store.append(id, line(1));

      assertThatThrownBy(() -> store.append(id, List.of(line(2), line(3)), ExpectedSequence.of(2)))
          .isInstanceOfSatisfying(SequenceConflictException.class, e -> {
            assertThat(e.expected()).isEqualTo(2);
            assertThat(e.actual()).isEqualTo(3);
          });
      assertThat(all(store, id)).hasSize(3);

      List<RunEvent> ok = store.append(id, List.of(line(4)), ExpectedSequence.of(3));
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
          results.add(pool.submit(() -> {
            try {
              store.append(id, List.of(line(n)), ExpectedSequence.of(2));
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
        assertThat(all(store, id)).hasSize(3);
      } finally {
        pool.shutdownNow();
      }
    }

    @Test
    @DisplayName("an idempotency key seen before returns the first event instead of writing again")
    void append_repeatedIdempotencyKey_returnsFirstEvent() {
      RunId id = startedRun();
      RunEvent first = store.append(id, line(1).withIdempotencyKey("once"));
      RunEvent second = store.append(id, line(2).withIdempotencyKey("once"));

      assertThat(second).isEqualTo(first);
      assertThat(all(store, id)).hasSize(3);

      List<RunEvent> mixed = store.append(id, List.of(line(3).withIdempotencyKey("once"), line(4)));
      assertThat(mixed.get(0)).isEqualTo(first);
      assertThat(mixed.get(1).sequence()).isEqualTo(4);

      List<RunEvent> inOneBatch = store.append(id,
          List.of(line(5).withIdempotencyKey("twice"), line(6).withIdempotencyKey("twice")));
      assertThat(inOneBatch.get(1)).isEqualTo(inOneBatch.get(0));
      assertThat(all(store, id)).hasSize(5);
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
          results.add(pool.submit(() -> store.append(id, line(n).withIdempotencyKey("retry"))));
        }
        Set<Long> seqs = new HashSet<>();
        for (Future<RunEvent> f : results) {
          seqs.add(f.get(30, TimeUnit.SECONDS).sequence());
        }
        assertThat(seqs).containsExactly(3L);
        assertThat(all(store, id)).hasSize(3);
      } finally {
        pool.shutdownNow();
      }
    }

    @Test
    @DisplayName("a batch containing one invalid event writes nothing")
    void appendBatch_oneInvalid_writesNothing() {
      RunId id = startedRun();
      EventDraft bad = EventDraft.of(EventTypes.TOOL_CALL_COMPLETED, Payload.of(Map.of("result", "x")));

      assertThatThrownBy(() -> store.append(id, List.of(line(1), line(2), bad)))
          .isInstanceOf(ValidationException.class)
          .hasMessageContaining("tool_name")
          .hasMessageContaining("event 3 of 3");
      assertThat(all(store, id)).hasSize(2);
    }

    @Test
    @DisplayName("a batch an illegal transition would break writes nothing")
    void appendBatch_illegalTransition_writesNothing() {
      RunId id = startedRun();
      List<EventDraft> batch = List.of(line(1), EventDraft.of(EventTypes.RUN_COMPLETED), line(2));

      assertThatThrownBy(() -> store.append(id, batch))
          .isInstanceOfSatisfying(IllegalTransitionException.class, e -> {
            assertThat(e.currentStatus()).isEqualTo(RunStatus.COMPLETED);
            assertThat(e.refusedType()).isEqualTo("console.line");
          });
      assertThat(all(store, id)).hasSize(2);
      assertThat(store.state(id).status()).isEqualTo(RunStatus.RUNNING);
    }

    @Test
    @DisplayName("nothing is accepted after run.completed, and a second run.started is refused")
    void append_afterTerminal_isRefused() {
      RunId id = startedRun();
      assertThatThrownBy(() -> store.append(id, EventDraft.of(EventTypes.RUN_STARTED)))
          .isInstanceOf(IllegalTransitionException.class)
          .hasMessageContaining("running")
          .hasMessageContaining("run.started");
      store.append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
      assertThatThrownBy(() -> store.append(id, line(1)))
          .isInstanceOf(IllegalTransitionException.class)
          .hasMessageContaining("completed");
      assertThat(all(store, id)).hasSize(3);
      assertThat(store.entry(id).orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
    }

    @Test
    @DisplayName("a failed run accepts work again only after run.resumed")
    void append_resumeAfterFailure_isAccepted() {
      RunId id = startedRun();
      store.append(id, EventDraft.of(EventTypes.RUN_FAILED, Payload.of("{\"error\":{\"message\":\"boom\"}}")));
      assertThatThrownBy(() -> store.append(id, line(1))).isInstanceOf(IllegalTransitionException.class);
      store.append(id, List.of(EventDraft.of(EventTypes.RUN_RESUMED), line(1)));
      assertThat(store.state(id).status()).isEqualTo(RunStatus.RUNNING);
    }

    @Test
    @DisplayName("types outside the taxonomy, run.created and nameless x. types are refused")
    void append_badTypes_areRefused() {
      RunId id = startedRun();
      assertThatThrownBy(() -> store.append(id, EventDraft.of("acme.thing", Map.of())))
          .isInstanceOf(ValidationException.class).hasMessageContaining("x.<namespace>.<name>");
      assertThatThrownBy(() -> store.append(id, EventDraft.of("x.acme", Map.of())))
          .isInstanceOf(ValidationException.class).hasMessageContaining("x.<namespace>.<name>");
      assertThatThrownBy(() -> store.append(id, EventDraft.of(EventTypes.RUN_CREATED)))
          .isInstanceOf(ValidationException.class).hasMessageContaining("run.created");
      assertThatThrownBy(() -> EventDraft.of("Tool.Call", Map.of()))
          .isInstanceOf(ValidationException.class).hasMessageContaining("lowercase");
      RunEvent custom = store.append(id, EventDraft.of("x.acme.score", Map.of("score", 0.93)));
      assertThat(custom.type().name()).isEqualTo("x.acme.score");
      assertThat(all(store, id)).hasSize(3);
    }

    @Test
    @DisplayName("a payload over the size limit is refused with the limit named, and nothing is written")
    void append_payloadTooLarge_throwsLimitExceeded() {
      store.close();
      store = newStore(dir, options().toBuilder().limits(StoreLimits.defaults().withMaxPayloadBytes(1000)).build());
      RunId id = startedRun();
      EventDraft big = EventDraft.of(EventTypes.CONSOLE_LINE,
          Payload.of(Map.of("stream", "stdout", "text", "x".repeat(2000))));

      assertThatThrownBy(() -> store.append(id, big))
          .isInstanceOfSatisfying(LimitExceededException.class, e -> {
            assertThat(e.limit()).isEqualTo("maxPayloadBytes");
            assertThat(e.maximum()).isEqualTo(1000);
          });
      assertThat(all(store, id)).hasSize(2);
    }

    @Test
    @DisplayName("a payload nested deeper than the limit is refused")
    void append_payloadTooDeep_throwsLimitExceeded() {
      RunId id = startedRun();
      String deep = "{\"a\":".repeat(70) + "1" + "}".repeat(70);
      EventDraft draft = EventDraft.of(dev.runs.EventType.of("x.kit.deep"), Payload.of(deep));
      assertThatThrownBy(() -> store.append(id, draft))
          .isInstanceOfSatisfying(LimitExceededException.class,
              e -> assertThat(e.limit()).isEqualTo("maxJsonDepth"));
      assertThat(all(store, id)).hasSize(2);
    }

    @Test
    @DisplayName("type hints such as @class in a payload are stored as plain data")
    void append_typeHintsInPayload_storedAsData() {
      RunId id = startedRun();
      String json = "{\"@class\":\"java.lang.ProcessBuilder\",\"command\":[\"rm\",\"-rf\",\"/\"]}";
      RunEvent e = store.append(id, EventDraft.of(dev.runs.EventType.of("x.kit.data"), Payload.of(json)));
      assertThat(all(store, id).get(2).payload().toJsonNode().get("@class").asText())
          .isEqualTo("java.lang.ProcessBuilder");
      assertThat(e.payload().toJsonNode()).isEqualTo(Payload.of(json).toJsonNode());
    }
  }

  // ---- reading -----------------------------------------------------------------------------------

  @Nested
  @DisplayName("Reading events")
  class Reading {
    @Test
    @DisplayName("reads start after the given sequence and pages stop at the limit")
    void read_afterAndLimit() {
      RunId id = startedRun();
      for (int i = 0; i < 10; i++) {
        store.append(id, line(i));
      }
      assertThat(store.read(id, 5, 3)).extracting(RunEvent::sequence).containsExactly(6L, 7L, 8L);
      assertThat(store.read(id, 12, 10)).isEmpty();
      try (EventStream s = store.read(id, 10)) {
        assertThat(s.stream().map(RunEvent::sequence)).containsExactly(11L, 12L);
      }
      assertThatThrownBy(() -> store.read(id, -1)).isInstanceOf(ValidationException.class);
    }

    @Test
    @DisplayName("reading 100,000 events streams in bounded memory")
    @Timeout(300)
    void read_100kEvents_boundedMemory() {
      RunId id = startedRun();
      String text = "y".repeat(900);
      int total = 100_000;
      List<CompletableFuture<List<RunEvent>>> pending = new ArrayList<>();
      for (int i = 0; i < total; i += 1000) {
        List<EventDraft> batch = new ArrayList<>(1000);
        for (int j = 0; j < 1000; j++) {
          batch.add(EventDraft.of(EventTypes.CONSOLE_LINE,
              Payload.of(Map.of("stream", "stdout", "text", text, "n", i + j))));
        }
        pending.add(store.appendAsync(id, batch, ExpectedSequence.any()));
      }
      for (CompletableFuture<List<RunEvent>> f : pending) {
        f.join();
      }
      pending.clear();

      long heapAtTenth = 0;
      long expected = 1;
      try (EventStream s = store.read(id, 0)) {
        while (s.hasNext()) {
          RunEvent e = s.next();
          assertThat(e.sequence()).isEqualTo(expected);
          expected++;
          if (expected == 10_000) {
            heapAtTenth = usedHeapAfterGc();
          }
        }
        long heapAtEnd = usedHeapAfterGc();
        // holding 90,000 read events of ~1 KB would take well over 90 MB
        assertThat(heapAtEnd - heapAtTenth).as("heap growth while reading").isLessThan(48L * 1024 * 1024);
      }
      assertThat(expected - 1).isEqualTo(total + 2);
    }

    private long usedHeapAfterGc() {
      System.gc();
      return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    @Test
    @DisplayName("the fold of the events gives status, steps, usage and counts")
    void state_foldsEvents() {
      RunId id = startedRun();
      store.append(id, List.of(
          EventDraft.of(EventTypes.STEP_STARTED).withStep("plan").withAttempt(1),
          EventDraft.of(EventTypes.MODEL_GENERATION_COMPLETED, Payload.of(
              "{\"provider\":\"acme\",\"model\":\"m-1\",\"usage\":{\"input_tokens\":100,\"output_tokens\":20},\"cost\":0.25}")),
          EventDraft.of(EventTypes.STEP_COMPLETED, Payload.of("{\"output\":{\"plan\":[1,2]}}"))
              .withStep("plan").withAttempt(1),
          EventDraft.of(EventTypes.CHECKPOINT_SAVED, Payload.of("{\"checkpoint_id\":\"after-plan\"}")),
          EventDraft.of(EventTypes.RUN_COMPLETED)));

      RunState s = store.state(id);
      assertThat(s.status()).isEqualTo(RunStatus.COMPLETED);
      assertThat(s.lastSequence()).isEqualTo(7);
      assertThat(s.step("plan").orElseThrow().isCompleted()).isTrue();
      assertThat(s.step("plan").orElseThrow().completion().orElseThrow().payload()
          .get("output").orElseThrow().get("plan").size()).isEqualTo(2);
      assertThat(s.usage().inputTokens()).isEqualTo(100);
      assertThat(s.usage().outputTokens()).isEqualTo(20);
      assertThat(s.cost()).isEqualByComparingTo("0.25");
      assertThat(s.checkpoints()).containsEntry("after-plan", 6L);
      assertThat(s.count(EventTypes.STEP_STARTED)).isEqualTo(1);
      assertThat(store.verify(id).ok()).isTrue();
    }
  }

  // ---- listing -----------------------------------------------------------------------------------

  @Nested
  @DisplayName("Listing runs")
  class Listing {
    @Test
    @DisplayName("filters by namespace, thread, status and time, newest first")
    void list_filters() {
      RunId a = store.create(recordBuilder().namespace("acme/etl").threadKey("t1").build()).record().id();
      RunId b = store.create(recordBuilder().namespace("acme/etl").threadKey("t2").build()).record().id();
      Instant afterB = clock.instant();
      RunId c = store.create(recordBuilder().namespace("other").threadKey("t1").build()).record().id();
      RunId d = store.create(recordBuilder().threadKey("t1").build()).record().id();
      store.append(b, EventDraft.of(EventTypes.RUN_STARTED));
      store.append(c, List.of(EventDraft.of(EventTypes.RUN_STARTED), EventDraft.of(EventTypes.RUN_COMPLETED)));

      assertThat(ids(RunQuery.all())).containsExactly(d, c, b, a);
      assertThat(ids(RunQuery.builder().namespace("acme/etl").build())).containsExactly(b, a);
      assertThat(ids(RunQuery.builder().namespace("").build())).containsExactly(d);
      assertThat(ids(RunQuery.builder().threadKey("t1").build())).containsExactly(d, c, a);
      assertThat(ids(RunQuery.builder().status(RunStatus.RUNNING).build())).containsExactly(b);
      assertThat(ids(RunQuery.builder().status(RunStatus.CREATED, RunStatus.COMPLETED).build()))
          .containsExactly(d, c, a);
      assertThat(ids(RunQuery.builder().createdFrom(afterB).build())).containsExactly(d, c);
      assertThat(ids(RunQuery.builder().createdBefore(afterB).build())).containsExactly(b, a);
      assertThat(ids(RunQuery.builder().namespace("acme/etl").threadKey("t1").build())).containsExactly(a);
      RunEntry entry = store.list(RunQuery.builder().status(RunStatus.COMPLETED).build()).runs().get(0);
      assertThat(entry.lastSequence()).isEqualTo(3);
    }

    private List<RunId> ids(RunQuery q) {
      return store.list(q).runs().stream().map(RunEntry::id).toList();
    }

    @Test
    @DisplayName("cursor paging visits every run once, newest first")
    void list_cursorPaging() {
      List<RunId> created = new ArrayList<>();
      for (int i = 0; i < 25; i++) {
        created.add(store.create(recordBuilder().namespace("page").build()).record().id());
      }
      List<RunId> seen = new ArrayList<>();
      Optional<String> cursor = Optional.empty();
      int pages = 0;
      do {
        RunQuery.Builder q = RunQuery.builder().namespace("page").limit(10);
        cursor.ifPresent(q::cursor);
        RunPage page = store.list(q.build());
        page.runs().forEach(e -> seen.add(e.id()));
        cursor = page.nextCursor();
        pages++;
      } while (cursor.isPresent());
      assertThat(pages).isEqualTo(3);
      List<RunId> newestFirst = new ArrayList<>(created);
      java.util.Collections.reverse(newestFirst);
      assertThat(seen).containsExactlyElementsOf(newestFirst);
    }

    @Test
    @DisplayName("runs started from a recommendation are found by its id")
    void list_byRecommendation() {
      RunId a = store.create(recordBuilder().recommendation(new dev.runs.RecommendationLink("rec-1",
          "0".repeat(64), dev.runs.ConfigDiff.empty())).build()).record().id();
      store.create(recordBuilder().recommendation(new dev.runs.RecommendationLink("rec-2",
          "0".repeat(64), dev.runs.ConfigDiff.empty())).build());
      store.create(record());
      assertThat(ids(RunQuery.builder().recommendationId("rec-1").build())).containsExactly(a);
      assertThat(store.get(a).orElseThrow().recommendation().orElseThrow().recommendationId()).isEqualTo("rec-1");
    }

    @Test
    @DisplayName("a malformed cursor is refused")
    void list_badCursor_refused() {
      assertThatThrownBy(() -> RunQuery.builder().cursor("not-a-cursor!").build())
          .isInstanceOf(ValidationException.class).hasMessageContaining("cursor");
    }
  }

  // ---- stages ------------------------------------------------------------------------------------

  @Nested
  @DisplayName("Stage artifacts")
  class Stages {
    @Test
    @DisplayName("a stage round-trips with a manifest holding sha256 and size of every file")
    void writeStage_roundTrip() throws Exception {
      RunId id = startedRun();
      byte[] report = "<h1>report</h1>".getBytes(StandardCharsets.UTF_8);
      byte[] png = new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 1, 2, 3};
      StageManifest m = store.writeStage(id, StageWrite.of("fetch")
          .withInput(Payload.of(Map.of("url", "https://example.test")))
          .withOutput(Payload.of(Map.of("rows", 42)))
          .withArtifact(StageArtifact.of("report.html", "report", report))
          .withArtifact(StageArtifact.of("plots/loss.png", "image", png)));

      assertThat(m.position()).isEqualTo(1);
      assertThat(m.attempt()).isEqualTo(1);
      assertThat(m.directoryName()).isEqualTo("01-fetch");
      assertThat(m.files()).extracting(StageManifest.Entry::path)
          .containsExactly("input.json", "output.json", "artifacts/report.html", "artifacts/plots/loss.png");
      assertThat(m.file("artifacts/report.html").orElseThrow().sha256()).isEqualTo(sha256(report));
      assertThat(m.file("artifacts/plots/loss.png").orElseThrow().size()).isEqualTo(png.length);
      assertThat(store.readArtifact(id, "fetch", 1, "report.html")).isEqualTo(report);
      assertThat(store.readArtifact(id, "fetch", 1, "plots/loss.png")).isEqualTo(png);
      assertThat(new String(store.readStageFile(id, "fetch", 1, "output.json"), StandardCharsets.UTF_8))
          .isEqualTo("{\"rows\":42}");
      assertThat(store.verifyStage(id, "fetch", 1).ok()).isTrue();
      assertThat(store.stages(id)).containsExactly(m);
    }

    @Test
    @DisplayName("attempts are never overwritten; new attempts and new stages are numbered")
    void writeStage_attemptsAndPositions() {
      RunId id = startedRun();
      store.writeStage(id, StageWrite.of("fetch").withOutput(Payload.of(Map.of("try", 1))));
      assertThatThrownBy(() -> store.writeStage(id, StageWrite.of("fetch").withAttempt(1)))
          .isInstanceOf(StageExistsException.class).hasMessageContaining("attempt 1");
      StageManifest second = store.writeStage(id, StageWrite.of("fetch").withOutput(Payload.of(Map.of("try", 2))));
      StageManifest train = store.writeStage(id, StageWrite.of("train"));
      assertThat(second.attempt()).isEqualTo(2);
      assertThat(second.position()).isEqualTo(1);
      assertThat(train.position()).isEqualTo(2);
      assertThat(store.stages(id)).extracting(m -> m.stageKey() + "#" + m.attempt())
          .containsExactly("fetch#1", "fetch#2", "train#1");
      assertThat(new String(store.readStageFile(id, "fetch", 1, "output.json"), StandardCharsets.UTF_8))
          .contains("\"try\":1");
    }

    @Test
    @DisplayName("unsafe stage keys and artifact names are refused before anything is written")
    void writeStage_unsafeNames_refused() {
      RunId id = startedRun();
      for (String bad : List.of("../etc", "a/b", "", "A", ".hidden", "x\u0000y")) {
        assertThatThrownBy(() -> StageWrite.of(bad)).as("stage key %s", bad)
            .isInstanceOf(ValidationException.class);
      }
      for (String bad : List.of("../x", "/abs", "a//b", "a\\b", "", "a/../b", ".", "x\u0000")) {
        assertThatThrownBy(() -> StageArtifact.of(bad, "k", new byte[0])).as("artifact %s", bad)
            .isInstanceOf(ValidationException.class);
      }
      assertThatThrownBy(() -> store.readStageFile(id, "fetch", 1, "../../run.json"))
          .isInstanceOf(ValidationException.class);
      assertThat(store.stages(id)).isEmpty();
    }

    @Test
    @DisplayName("stages of unknown runs and unknown files are clear errors")
    void stages_unknown() {
      RunId id = startedRun();
      store.writeStage(id, StageWrite.of("fetch"));
      assertThatThrownBy(() -> store.writeStage(RunId.of("missing"), StageWrite.of("x")))
          .isInstanceOf(RunNotFoundException.class);
      assertThatThrownBy(() -> store.readArtifact(id, "fetch", 1, "nope.txt"))
          .isInstanceOf(ValidationException.class).hasMessageContaining("nope.txt");
      assertThatThrownBy(() -> store.readArtifact(id, "fetch", 7, "nope.txt"))
          .isInstanceOf(ValidationException.class);
    }
  }

  // ---- leases, documents, subscriptions ------------------------------------------------------------

  @Nested
  @DisplayName("Leases")
  class Leases {
    @Test
    @DisplayName("one owner holds a lease until it expires; then another may take it")
    void lease_acquireRenewExpire() {
      RunId id = startedRun();
      Lease a = store.acquireLease(id, "host-a", Duration.ofSeconds(30)).orElseThrow();
      assertThat(a.owner()).isEqualTo("host-a");
      assertThat(store.acquireLease(id, "host-b", Duration.ofSeconds(30))).isEmpty();
      assertThat(store.renewLease(id, "host-a", Duration.ofSeconds(60))).isPresent();
      assertThat(store.renewLease(id, "host-b", Duration.ofSeconds(60))).isEmpty();
      assertThat(store.expiredLeases(10)).isEmpty();

      clock.advance(Duration.ofSeconds(61));
      assertThat(store.expiredLeases(10)).extracting(Lease::runId).containsExactly(id);
      assertThat(store.acquireLease(id, "host-b", Duration.ofSeconds(30))).isPresent();
      assertThat(store.renewLease(id, "host-a", Duration.ofSeconds(30))).isEmpty();
      assertThat(store.lease(id).orElseThrow().owner()).isEqualTo("host-b");

      store.releaseLease(id, "host-a");
      assertThat(store.lease(id)).isPresent();
      store.releaseLease(id, "host-b");
      assertThat(store.lease(id)).isEmpty();
    }

    @Test
    @DisplayName("racing owners: exactly one acquires a free lease")
    void lease_race_oneWins() throws Exception {
      RunId id = startedRun();
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<Boolean>> results = new ArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        for (int i = 0; i < 8; i++) {
          String owner = "host-" + i;
          results.add(pool.submit(() -> {
            go.await();
            return store.acquireLease(id, owner, Duration.ofMinutes(5)).isPresent();
          }));
        }
        go.countDown();
        int wins = 0;
        for (Future<Boolean> f : results) {
          wins += f.get(30, TimeUnit.SECONDS) ? 1 : 0;
        }
        assertThat(wins).isEqualTo(1);
      } finally {
        pool.shutdownNow();
      }
    }

    @Test
    @DisplayName("leases of unknown runs are refused, bad arguments are validation errors")
    void lease_badInput() {
      assertThatThrownBy(() -> store.acquireLease(RunId.of("missing"), "h", Duration.ofSeconds(1)))
          .isInstanceOf(RunNotFoundException.class);
      RunId id = startedRun();
      assertThatThrownBy(() -> store.acquireLease(id, "h", Duration.ZERO)).isInstanceOf(ValidationException.class);
      assertThatThrownBy(() -> store.acquireLease(id, " ", Duration.ofSeconds(1))).isInstanceOf(ValidationException.class);
      assertThat(store.lease(id)).isEmpty();
    }

    @Test
    @DisplayName("leases survive close and reopen")
    void lease_durable() {
      assumeTrue(isDurable(), "store is not durable");
      RunId id = startedRun();
      store.acquireLease(id, "host-a", Duration.ofSeconds(30));
      reopen();
      assertThat(store.lease(id).orElseThrow().owner()).isEqualTo("host-a");
    }
  }

  @Nested
  @DisplayName("Documents")
  class Documents {
    @Test
    @DisplayName("documents are stored once, read back, and never overwritten")
    void document_saveFindImmutable() {
      store.saveDocument("recommendations", "rec-1", Payload.of(Map.of("model", "m-1", "score", 3)));
      assertThat(store.findDocument("recommendations", "rec-1").orElseThrow().toJsonNode().get("score").asInt())
          .isEqualTo(3);
      assertThat(store.findDocument("recommendations", "rec-2")).isEmpty();
      assertThat(store.findDocument("other", "rec-1")).isEmpty();
      assertThatThrownBy(() -> store.saveDocument("recommendations", "rec-1", Payload.of(Map.of("x", 1))))
          .isInstanceOf(ValidationException.class).hasMessageContaining("already exists");
      assertThatThrownBy(() -> store.saveDocument("Bad Name", "x", Payload.empty()))
          .isInstanceOf(ValidationException.class).hasMessageContaining("collection");
      assertThat(store.findDocument("recommendations", "rec-1").orElseThrow().toJsonNode().get("model").asText())
          .isEqualTo("m-1");
      if (isDurable()) {
        reopen();
        assertThat(store.findDocument("recommendations", "rec-1")).isPresent();
      }
    }
  }

  @Nested
  @DisplayName("Subscribing")
  class Subscribing {
    @Test
    @DisplayName("a subscriber gets the stored events, then live ones, then completion after the terminal event")
    @Timeout(60)
    void subscribe_catchUpThenLive() throws Exception {
      RunId id = startedRun();
      store.append(id, List.of(line(1), line(2)));
      CollectingSubscriber sub = new CollectingSubscriber(Long.MAX_VALUE);
      store.subscribe(id, 1).subscribe(sub);
      sub.awaitCount(3, Duration.ofSeconds(30));
      store.append(id, line(3));
      store.append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
      sub.awaitDone(Duration.ofSeconds(30));
      assertThat(sub.sequences()).containsExactly(2L, 3L, 4L, 5L, 6L);
      assertThat(sub.error()).isNull();
      assertThat(sub.completed()).isTrue();
    }

    @Test
    @DisplayName("a subscriber that requests nothing is ended with the sequence to resume after")
    @Timeout(60)
    void subscribe_slowSubscriber_endedWithResumeSequence() throws Exception {
      RunId id = startedRun();
      CollectingSubscriber sub = new CollectingSubscriber(1);
      store.subscribe(id, 0, dev.runs.SubscribeOptions.defaults().withBufferSize(10)).subscribe(sub);
      sub.awaitCount(1, Duration.ofSeconds(30));
      for (int i = 0; i < 30; i++) {
        store.append(id, line(i));
      }
      sub.awaitDone(Duration.ofSeconds(30));
      assertThat(sub.error()).isInstanceOfSatisfying(dev.runs.SlowSubscriberException.class,
          e -> assertThat(e.lastDeliveredSequence()).isEqualTo(1));
      assertThat(all(store, id)).hasSize(32);
    }

    @Test
    @DisplayName("subscribing after the terminal event of a finished run completes at once")
    @Timeout(60)
    void subscribe_afterEnd_completes() throws Exception {
      RunId id = startedRun();
      store.append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
      CollectingSubscriber sub = new CollectingSubscriber(Long.MAX_VALUE);
      store.subscribe(id, 3).subscribe(sub);
      sub.awaitDone(Duration.ofSeconds(30));
      assertThat(sub.sequences()).isEmpty();
      assertThat(sub.completed()).isTrue();
    }

    @Test
    @DisplayName("subscribing to an unknown run signals RunNotFoundException")
    @Timeout(60)
    void subscribe_unknownRun_errors() throws Exception {
      CollectingSubscriber sub = new CollectingSubscriber(Long.MAX_VALUE);
      store.subscribe(RunId.of("missing"), 0).subscribe(sub);
      sub.awaitDone(Duration.ofSeconds(30));
      assertThat(sub.error()).isInstanceOf(RunNotFoundException.class);
    }
  }

  // ---- durability, watching, redaction, lifecycle --------------------------------------------------

  @Nested
  @DisplayName("Durability")
  class Durability {
    @Test
    @DisplayName("records, events, heads and stages survive close and reopen")
    void reopen_keepsEverything() {
      assumeTrue(isDurable(), "store is not durable");
      RunRecord r = recordBuilder().namespace("keep").threadKey("t").build();
      store.create(r);
      store.append(r.id(), List.of(EventDraft.of(EventTypes.RUN_STARTED), line(1).withIdempotencyKey("k")));
      StageManifest m = store.writeStage(r.id(), StageWrite.of("s").withArtifact(
          StageArtifact.of("a.txt", "text", "hello".getBytes(StandardCharsets.UTF_8))));
      List<RunEvent> before = all(store, r.id());

      reopen();

      assertThat(store.get(r.id())).contains(store.get(r.id()).orElseThrow());
      assertThat(store.get(r.id()).orElseThrow().config().sha256()).isEqualTo(r.config().sha256());
      assertThat(all(store, r.id())).isEqualTo(before);
      assertThat(store.entry(r.id()).orElseThrow().status()).isEqualTo(RunStatus.RUNNING);
      assertThat(store.append(r.id(), line(9).withIdempotencyKey("k"))).isEqualTo(before.get(2));
      assertThat(store.append(r.id(), line(10)).sequence()).isEqualTo(4);
      assertThat(store.stages(r.id())).containsExactly(m);
      assertThat(store.readArtifact(r.id(), "s", 1, "a.txt")).isEqualTo("hello".getBytes(StandardCharsets.UTF_8));
      assertThat(store.findByTrigger(r.trigger().triggerId())).isPresent();
      assertThat(store.create(RunRecord.builder(r.workflow(), r.config(), r.trigger()).build()).created()).isFalse();
      assertThat(store.verify(r.id()).ok()).isTrue();
    }
  }

  @Nested
  @DisplayName("Watching")
  class Watching {
    @Test
    @DisplayName("watchers are told of creations and appends once durable, until they unregister")
    @Timeout(30)
    void watch_createAndAppend() {
      ConcurrentLinkedQueue<RunChange> seen = new ConcurrentLinkedQueue<>();
      RunStore.Registration reg = store.watch(seen::add);
      RunId id = startedRun();
      store.append(id, List.of(line(1), line(2)));

      assertThat(seen).anySatisfy(c -> {
        assertThat(c.runId()).isEqualTo(id);
        assertThat(c.created()).isTrue();
      });
      assertThat(seen).anySatisfy(c -> {
        assertThat(c.lastSequence()).isEqualTo(4);
        assertThat(c.status()).isEqualTo(RunStatus.RUNNING);
      });
      reg.close();
      int count = seen.size();
      store.append(id, line(3));
      assertThat(seen).hasSize(count);
    }
  }

  @Nested
  @DisplayName("Redaction")
  class Redaction {
    @Test
    @DisplayName("seeded secrets never reach the store, in configs, payloads or stage files")
    void secrets_neverStored() {
      String apiKey = "sk-" + "A1b2C3d4E5f6G7h8J9k0";
      String password = "hunter2-" + UUID.randomUUID();
      String bearer = "abcDEF123456ghiJKL789";
      RunRecord r = RunRecord.builder(WorkflowRef.of("w", "1"),
          ConfigSnapshot.builder().param("api_key", apiKey).policy("note", "uses " + apiKey).build(),
          Trigger.of(TriggerSource.TEST, "secret-" + UUID.randomUUID())).build();
      store.create(r);
      store.append(r.id(), List.of(EventDraft.of(EventTypes.RUN_STARTED),
          EventDraft.of(EventTypes.TOOL_CALL_STARTED, Payload.of(Map.of("tool_name", "login",
              "arguments", Map.of("password", password, "header", "Authorization: Bearer " + bearer))))));
      store.writeStage(r.id(), StageWrite.of("auth").withInput(Payload.of(Map.of("client_secret", password))));

      String everything = store.get(r.id()).orElseThrow().config().json()
          + all(store, r.id()) + new String(store.readStageFile(r.id(), "auth", 1, "input.json"), StandardCharsets.UTF_8);
      assertThat(everything).doesNotContain(apiKey).doesNotContain(password).doesNotContain(bearer)
          .contains("[REDACTED]");
      Optional<byte[]> raw = rawBytes();
      if (raw.isPresent()) {
        String rawText = new String(raw.get(), StandardCharsets.ISO_8859_1);
        assertThat(rawText).doesNotContain(apiKey).doesNotContain(password).doesNotContain(bearer);
      }
    }
  }

  @Nested
  @DisplayName("Lifecycle")
  class Lifecycle {
    @Test
    @DisplayName("a closed store refuses every call with StoreClosedException, an IllegalStateException")
    void closed_refusesCalls() {
      RunId id = createRun();
      store.close();
      assertThatThrownBy(() -> store.append(id, line(1))).isInstanceOf(StoreClosedException.class)
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
      assertThatThrownBy(() -> store.get(id)).isInstanceOf(StoreClosedException.class);
      assertThatThrownBy(() -> store.create(record())).isInstanceOf(StoreClosedException.class);
      assertThatThrownBy(() -> store.list(RunQuery.all())).isInstanceOf(StoreClosedException.class);
      store.close();
    }

    @Test
    @DisplayName("close commits appends already queued")
    void close_commitsQueued() {
      assumeTrue(isDurable(), "store is not durable");
      RunId id = startedRun();
      List<CompletableFuture<RunEvent>> futures = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        futures.add(store.appendAsync(id, line(i)));
      }
      store.close();
      long acknowledged = futures.stream().filter(f -> !f.isCompletedExceptionally()).count();
      assertThat(futures).allSatisfy(f -> assertThat(f).isDone());
      store = newStore(dir, options());
      assertThat(all(store, id)).hasSize((int) acknowledged + 2);
    }

    @Test
    @DisplayName("the location is reported without credentials")
    void location_isReported() {
      assertThat(store.location()).isNotBlank().doesNotContain("password=");
    }
  }
}
