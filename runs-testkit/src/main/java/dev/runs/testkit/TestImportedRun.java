package dev.runs.testkit;

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
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

/**
 * An {@link ImportedRun} for engine tests, as a bundle import or an archive restore hands a run to
 * {@code StorageEngine.importRun}: a copy of a run of another store (read now, or lazily from it),
 * a generated run of any length whose events are made one at a time as the engine reads them (so a
 * long run costs no memory here), or a run of given events (for malformed streams). Failures can be
 * planted: the event stream throws {@link PlantedFailure} when asked for a given sequence, or every
 * stage file read does; a hook sees every sequence before it is handed out (to block, to report or
 * to pause). Counts the event streams opened and closed, so a test can check the engine closes what
 * it opens.
 *
 * <p>Not thread-safe: one engine reads it at a time. The switches return this run, for chaining.
 */
public final class TestImportedRun implements ImportedRun {
  /** What a planted failure throws. */
  public static final class PlantedFailure extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed
     */
    public PlantedFailure(String message) {
      super(message);
    }
  }

  /** Reads a stage file of the run. */
  @FunctionalInterface
  public interface StageFiles {
    /**
     * @param manifest the stage attempt
     * @param path the file's path in it
     * @return the file's bytes
     */
    byte[] read(StageManifest manifest, String path);
  }

  private static final StageFiles NO_FILES =
      (m, path) -> {
        throw new IllegalArgumentException("no file " + key(m, path));
      };

  private final RunRecord record;
  private final RunHead head;
  private final Supplier<? extends Iterator<RunEvent>> events;
  private final List<StageManifest> stages;
  private final StageFiles files;
  private boolean replacesStub;
  private long failAtSequence;
  private boolean failStageFiles;
  private LongConsumer onEvent = seq -> {};
  private int opened;
  private int closed;

  private TestImportedRun(
      RunRecord record,
      RunHead head,
      Supplier<? extends Iterator<RunEvent>> events,
      List<StageManifest> stages,
      StageFiles files) {
    this.record = Objects.requireNonNull(record, "record");
    this.head = Objects.requireNonNull(head, "head");
    this.events = Objects.requireNonNull(events, "events");
    this.stages = List.copyOf(stages);
    this.files = Objects.requireNonNull(files, "files");
  }

  /**
   * A run whose events come from {@code events} at each {@link #events()} call, as given (gaps,
   * foreign runs and lies about the head included); no stages. When the iterator is an {@link
   * EventStream}, closing the run's stream closes it.
   *
   * @param record the record
   * @param head the head it claims
   * @param events makes a new iterator over the events from sequence 1
   * @return the run
   */
  public static TestImportedRun of(
      RunRecord record, RunHead head, Supplier<? extends Iterator<RunEvent>> events) {
    return new TestImportedRun(record, head, events, List.of(), NO_FILES);
  }

  /**
   * @param record the record
   * @param head the head it claims
   * @param events the events, as given
   * @return a run of these events; no stages
   */
  public static TestImportedRun ofList(RunRecord record, RunHead head, List<RunEvent> events) {
    List<RunEvent> copy = List.copyOf(events);
    return of(record, head, copy::iterator);
  }

  /**
   * Everything of a run of another store, read now into memory, so the copy outlives the run (a
   * stub, a deletion). Its head's time is the entry's {@code updatedAt}.
   *
   * @param store the source
   * @param id the run
   * @return the copy
   */
  public static TestImportedRun copyOf(RunStore store, RunId id) {
    RunRecord record = store.get(id).orElseThrow();
    RunEntry entry = store.entry(id).orElseThrow();
    List<RunEvent> all = new ArrayList<>();
    try (EventStream s = store.read(id, 0)) {
      s.forEachRemaining(all::add);
    }
    RunHead head =
        new RunHead(
            entry.lastSequence(),
            entry.status(),
            entry.updatedAt(),
            all.get(all.size() - 1).hash());
    List<StageManifest> stages = store.stages(id);
    Map<String, byte[]> files = new HashMap<>();
    for (StageManifest m : stages) {
      for (StageManifest.Entry f : m.files()) {
        files.put(key(m, f.path()), store.readStageFile(id, m.stageKey(), m.attempt(), f.path()));
      }
    }
    List<RunEvent> copy = List.copyOf(all);
    return new TestImportedRun(record, head, copy::iterator, stages, fromMap(files));
  }

  /**
   * A run of another store read lazily from it: its events at each {@link #events()} call, its
   * stage files when asked. Its head's time is the last event's.
   *
   * @param store the source, open while the run is imported
   * @param id the run
   * @return the run
   */
  public static TestImportedRun from(RunStore store, RunId id) {
    RunRecord record = store.get(id).orElseThrow();
    RunEntry entry = store.entry(id).orElseThrow();
    RunEvent last = store.read(id, entry.lastSequence() - 1, 1).get(0);
    RunHead head = new RunHead(last.sequence(), entry.status(), last.time(), last.hash());
    return new TestImportedRun(
        record,
        head,
        () -> store.read(id, 0),
        store.stages(id),
        (m, path) -> store.readStageFile(id, m.stageKey(), m.attempt(), path));
  }

  /**
   * A generated run of a new record ({@link #record(RunId, String)}); see {@link
   * #generated(RunRecord, long)}.
   *
   * @param id the run id
   * @param triggerId its trigger id
   * @param n its length, at least 2
   * @return the run
   */
  public static TestImportedRun generated(RunId id, String triggerId, long n) {
    return generated(record(id, triggerId), n);
  }

  /**
   * A generated run: {@code run.created}, {@code run.started}, then {@code console.line}s (every
   * tenth with an idempotency key, text with a backslash, a tab and a non-ASCII letter),
   * hash-chained, one microsecond apart from the record's creation; status running; no stages. Each
   * call makes new event ids; the events are the same at every {@link #events()} call.
   *
   * @param record the record
   * @param n its length, at least 2
   * @return the run
   */
  public static TestImportedRun generated(RunRecord record, long n) {
    if (n < 2) {
      throw new IllegalArgumentException("a generated run has at least 2 events, not " + n);
    }
    UUID base = UUID.randomUUID();
    String genesis = HashChain.genesis(record);
    String hash = genesis;
    for (long seq = 1; seq <= n; seq++) {
      hash = HashChain.link(hash, event(record, base, seq));
    }
    RunHead head =
        new RunHead(
            n, RunStatus.RUNNING, record.createdAt().plusNanos(n * 1000), Optional.of(hash));
    Supplier<Iterator<RunEvent>> events =
        () ->
            new Iterator<>() {
              long next = 1;
              String previous = genesis;

              @Override
              public boolean hasNext() {
                return next <= n;
              }

              @Override
              public RunEvent next() {
                if (next > n) {
                  throw new NoSuchElementException();
                }
                RunEvent e = event(record, base, next++);
                previous = HashChain.link(previous, e);
                return e.withHash(Optional.of(previous));
              }
            };
    return new TestImportedRun(record, head, events, List.of(), NO_FILES);
  }

  /**
   * @param id the run id
   * @param triggerId its trigger id
   * @return a record of workflow {@code imported} 1, created 2026-03-01T10:00:00Z
   */
  public static RunRecord record(RunId id, String triggerId) {
    return RunRecord.builder(
            WorkflowRef.of("imported", "1"),
            ConfigSnapshot.empty(),
            Trigger.of(TriggerSource.TEST, triggerId))
        .id(id)
        .createdAt(Instant.parse("2026-03-01T10:00:00Z"))
        .build();
  }

  /** Event {@code seq} of a generated run, without its hash. */
  private static RunEvent event(RunRecord record, UUID base, long seq) {
    return new RunEvent(
        RunEvent.SCHEMA,
        EventId.of(
            new UUID(
                (base.getMostSignificantBits() & ~0xf000L) | 0x7000L,
                0x8000_0000_0000_0000L | seq)),
        record.id(),
        seq,
        seq == 1
            ? EventTypes.RUN_CREATED
            : seq == 2 ? EventTypes.RUN_STARTED : EventTypes.CONSOLE_LINE,
        record.createdAt().plusNanos(seq * 1000),
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
  }

  /**
   * @param manifests the stage attempts
   * @param stageFiles reads their files
   * @return this run with these stages instead of its own
   */
  public TestImportedRun withStages(List<StageManifest> manifests, StageFiles stageFiles) {
    TestImportedRun r = new TestImportedRun(record, head, events, manifests, stageFiles);
    r.replacesStub = replacesStub;
    r.failAtSequence = failAtSequence;
    r.failStageFiles = failStageFiles;
    r.onEvent = onEvent;
    return r;
  }

  /**
   * @param manifests the stage attempts
   * @param byStagePath file contents by {@code <stage key>/<path>}, the same for every attempt
   * @return this run with these stages instead of its own
   */
  public TestImportedRun withStages(
      List<StageManifest> manifests, Map<String, byte[]> byStagePath) {
    Map<String, byte[]> f = new HashMap<>();
    for (StageManifest m : manifests) {
      for (StageManifest.Entry e : m.files()) {
        byte[] content = byStagePath.get(m.stageKey() + "/" + e.path());
        if (content != null) {
          f.put(key(m, e.path()), content);
        }
      }
    }
    return withStages(manifests, fromMap(f));
  }

  private static StageFiles fromMap(Map<String, byte[]> files) {
    Map<String, byte[]> copy = Map.copyOf(files);
    return (m, path) -> {
      byte[] b = copy.get(key(m, path));
      if (b == null) {
        throw new IllegalArgumentException("no file " + key(m, path));
      }
      return b.clone();
    };
  }

  private static String key(StageManifest m, String path) {
    return m.stageKey() + "/" + m.attempt() + "/" + path;
  }

  /**
   * @return this run, as a restore of an archive stub
   */
  public TestImportedRun replacingStub() {
    replacesStub = true;
    return this;
  }

  /**
   * @param sequence the event the stream throws {@link PlantedFailure} instead of giving (0: never)
   * @return this run
   */
  public TestImportedRun failingAt(long sequence) {
    failAtSequence = sequence;
    return this;
  }

  /**
   * @param fail whether every stage file read throws {@link PlantedFailure}
   * @return this run
   */
  public TestImportedRun failingStageFiles(boolean fail) {
    failStageFiles = fail;
    return this;
  }

  /**
   * @param hook called with each event's sequence before the stream gives it (it may block, or
   *     throw to fail the stream)
   * @return this run
   */
  public TestImportedRun onEvent(LongConsumer hook) {
    onEvent = Objects.requireNonNull(hook, "hook");
    return this;
  }

  /**
   * @return event streams opened so far
   */
  public int opened() {
    return opened;
  }

  /**
   * @return event streams closed so far
   */
  public int closed() {
    return closed;
  }

  /**
   * @return every event, as the stream gives them without planted failures (small runs only)
   */
  public List<RunEvent> allEvents() {
    List<RunEvent> out = new ArrayList<>();
    Iterator<RunEvent> it = events.get();
    try {
      it.forEachRemaining(out::add);
    } finally {
      if (it instanceof EventStream s) {
        s.close();
      }
    }
    return out;
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
    Iterator<RunEvent> it = events.get();
    opened++;
    return new EventStream() {
      private boolean done;

      @Override
      public boolean hasNext() {
        return it.hasNext();
      }

      @Override
      public RunEvent next() {
        if (!it.hasNext()) {
          throw new NoSuchElementException();
        }
        RunEvent e = it.next();
        if (e.sequence() == failAtSequence) {
          throw new PlantedFailure("planted failure reading event " + e.sequence());
        }
        onEvent.accept(e.sequence());
        return e;
      }

      @Override
      public void close() {
        if (!done) {
          done = true;
          closed++;
          if (it instanceof EventStream s) {
            s.close();
          }
        }
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
      throw new PlantedFailure("planted failure reading " + path);
    }
    return files.read(manifest, path);
  }

  @Override
  public boolean replacesStub() {
    return replacesStub;
  }

  /** For messages. */
  @Override
  public String toString() {
    return "TestImportedRun[" + record.id() + ", head " + head + "]";
  }
}
