package dev.runs.store.postgres;

import dev.runs.ConfigSnapshot;
import dev.runs.EventId;
import dev.runs.EventStream;
import dev.runs.EventTypes;
import dev.runs.HashChain;
import dev.runs.Payload;
import dev.runs.RunEntry;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunRecord;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.StageManifest;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.WorkflowRef;
import dev.runs.spi.ImportedRun;
import dev.runs.spi.RunHead;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.function.LongConsumer;
import java.util.function.LongFunction;

/**
 * An {@link ImportedRun} for tests: a copy of a run of another store, or a generated run of any
 * length whose events are made one at a time as the engine reads them (so a long run costs no
 * memory here). Failures can be planted: the event stream throws when asked for a given sequence,
 * or a stage file cannot be read; a hook sees every sequence handed out (to block or to report).
 */
final class TestImport implements ImportedRun {
  private final RunRecord record;
  private final RunHead head;
  private final LongFunction<Iterator<RunEvent>> events;
  private final List<StageManifest> stages;
  private final Map<String, byte[]> files;
  private boolean replacesStub;
  private long failAtSequence;
  private boolean failStageFiles;
  private LongConsumer onEvent = seq -> {};

  /** Streams opened and streams closed, to check the engine closes what it opens. */
  int opened;

  int closed;

  private TestImport(
      RunRecord record,
      RunHead head,
      LongFunction<Iterator<RunEvent>> events,
      List<StageManifest> stages,
      Map<String, byte[]> files) {
    this.record = record;
    this.head = head;
    this.events = events;
    this.stages = stages;
    this.files = files;
  }

  /**
   * @return everything of a run of another store, read now
   */
  static TestImport copyOf(RunStore source, RunId id) {
    RunRecord record = source.get(id).orElseThrow();
    RunEntry entry = source.entry(id).orElseThrow();
    List<RunEvent> all = source.read(id, 0, 10_000);
    RunHead head =
        new RunHead(
            entry.lastSequence(),
            entry.status(),
            entry.updatedAt(),
            all.get(all.size() - 1).hash());
    List<StageManifest> stages = source.stages(id);
    Map<String, byte[]> files = new HashMap<>();
    for (StageManifest m : stages) {
      for (StageManifest.Entry f : m.files()) {
        files.put(key(m, f.path()), source.readStageFile(id, m.stageKey(), m.attempt(), f.path()));
      }
    }
    return new TestImport(record, head, first -> all.iterator(), List.copyOf(stages), files);
  }

  /**
   * @return a run of these events, as given (for malformed streams too)
   */
  static TestImport ofList(RunRecord record, RunHead head, List<RunEvent> events) {
    List<RunEvent> copy = List.copyOf(events);
    return new TestImport(record, head, ignored -> copy.iterator(), List.of(), Map.of());
  }

  /**
   * A generated run: {@code run.created}, {@code run.started}, then {@code console.line}s (every
   * tenth with an idempotency key), hash-chained, one microsecond apart; status running.
   *
   * @param id the run id
   * @param triggerId its trigger id
   * @param n its length, at least 2
   */
  static TestImport generated(RunId id, String triggerId, long n) {
    RunRecord record =
        RunRecord.builder(
                WorkflowRef.of("imported", "1"),
                ConfigSnapshot.empty(),
                Trigger.of(TriggerSource.TEST, triggerId))
            .id(id)
            .createdAt(Instant.parse("2026-03-01T10:00:00Z"))
            .build();
    Instant t0 = record.createdAt();
    UUID base = UUID.randomUUID();
    LongFunction<RunEvent> make =
        seq ->
            new RunEvent(
                RunEvent.SCHEMA,
                EventId.of(
                    new UUID(
                        (base.getMostSignificantBits() & ~0xf000L) | 0x7000L,
                        (0x8000_0000_0000_0000L | seq))),
                id,
                seq,
                seq == 1
                    ? EventTypes.RUN_CREATED
                    : seq == 2 ? EventTypes.RUN_STARTED : EventTypes.CONSOLE_LINE,
                t0.plusNanos(seq * 1000),
                Optional.empty(),
                OptionalInt.empty(),
                Optional.empty(),
                "test",
                seq % 10 == 0 ? Optional.of("k-" + seq) : Optional.empty(),
                seq <= 2
                    ? Payload.of(Map.of())
                    : Payload.of(
                        Map.of(
                            "stream",
                            "stdout",
                            "text",
                            "line " + seq + " \\ with a backslash,\ta tab and ü")),
                Map.of());
    // one pass for the head's hash
    String hash = HashChain.genesis(record);
    for (long seq = 1; seq <= n; seq++) {
      hash = HashChain.link(hash, make.apply(seq));
    }
    RunHead head = new RunHead(n, RunStatus.RUNNING, t0.plusNanos(n * 1000), Optional.of(hash));
    return new TestImport(
        record,
        head,
        ignored ->
            new Iterator<>() {
              long next = 1;
              String previous = HashChain.genesis(record);

              @Override
              public boolean hasNext() {
                return next <= n;
              }

              @Override
              public RunEvent next() {
                if (next > n) {
                  throw new NoSuchElementException();
                }
                RunEvent e = make.apply(next++);
                previous = HashChain.link(previous, e);
                return e.withHash(Optional.of(previous));
              }
            },
        List.of(),
        Map.of());
  }

  /**
   * @param byStagePath file contents by {@code <stage key>/<path>}, the same for every attempt
   * @return this run with other stages
   */
  TestImport withStages(List<StageManifest> manifests, Map<String, byte[]> byStagePath) {
    Map<String, byte[]> f = new HashMap<>();
    for (StageManifest m : manifests) {
      for (StageManifest.Entry e : m.files()) {
        f.put(key(m, e.path()), byStagePath.get(m.stageKey() + "/" + e.path()));
      }
    }
    return new TestImport(record, head, events, List.copyOf(manifests), f);
  }

  private static String key(StageManifest m, String path) {
    return m.stageKey() + "/" + m.attempt() + "/" + path;
  }

  TestImport replacingStub() {
    replacesStub = true;
    return this;
  }

  /** The event stream throws when asked for this sequence (0: never). */
  TestImport failingAt(long sequence) {
    failAtSequence = sequence;
    return this;
  }

  TestImport failingStageFiles(boolean fail) {
    failStageFiles = fail;
    return this;
  }

  /** Called with each sequence before it is handed out. */
  TestImport onEvent(LongConsumer hook) {
    onEvent = hook;
    return this;
  }

  @Override
  public RunRecord record() {
    return record;
  }

  @Override
  public RunHead head() {
    return head;
  }

  @Override
  public EventStream events() {
    Iterator<RunEvent> it = events.apply(0);
    opened++;
    return new EventStream() {
      long handedOut;

      @Override
      public boolean hasNext() {
        return it.hasNext();
      }

      @Override
      public RunEvent next() {
        long seq = handedOut + 1;
        if (seq == failAtSequence) {
          throw new IllegalStateException("planted failure reading event " + seq);
        }
        onEvent.accept(seq);
        handedOut = seq;
        return it.next();
      }

      @Override
      public void close() {
        closed++;
      }
    };
  }

  @Override
  public List<StageManifest> stages() {
    return stages;
  }

  @Override
  public byte[] stageFile(StageManifest manifest, String path) {
    if (failStageFiles) {
      throw new IllegalStateException("planted failure reading " + path);
    }
    byte[] b = files.get(key(manifest, path));
    if (b == null) {
      throw new IllegalArgumentException("no file " + key(manifest, path));
    }
    return b.clone();
  }

  @Override
  public boolean replacesStub() {
    return replacesStub;
  }

  /**
   * @return every event, generated or copied (for comparisons; small runs only)
   */
  List<RunEvent> allEvents() {
    List<RunEvent> out = new ArrayList<>();
    events.apply(0).forEachRemaining(out::add);
    return out;
  }
}
