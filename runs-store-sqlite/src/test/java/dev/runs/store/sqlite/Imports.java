package dev.runs.store.sqlite;

import dev.runs.EventDraft;
import dev.runs.EventId;
import dev.runs.EventStream;
import dev.runs.EventTypes;
import dev.runs.Payload;
import dev.runs.RunEntry;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunRecord;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.StageManifest;
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
import java.util.function.Supplier;

/** Runs to import, for the tests and their child processes: copies, generated runs, failures. */
final class Imports {
  private Imports() {}

  /** Thrown by a run told to fail. */
  static final class Boom extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Boom(String message) {
      super(message);
    }
  }

  /** An {@link ImportedRun} with switches for the failure cases; not thread-safe. */
  static final class Run implements ImportedRun {
    private final RunRecord record;
    private final RunHead head;
    private final Supplier<Iterator<RunEvent>> events;
    private final List<StageManifest> stages;
    private final Map<String, byte[]> files;
    private boolean replacesStub;
    private long failAtEvent = -1;
    private boolean failStageFile;
    private LongConsumer onEvent = n -> {};
    int streamsOpened;
    int streamsClosed;

    Run(
        RunRecord record,
        RunHead head,
        Supplier<Iterator<RunEvent>> events,
        List<StageManifest> stages,
        Map<String, byte[]> files) {
      this.record = record;
      this.head = head;
      this.events = events;
      this.stages = List.copyOf(stages);
      this.files = Map.copyOf(files);
    }

    /** Makes this import a restore of an archive stub. */
    Run replacingStub() {
      replacesStub = true;
      return this;
    }

    /** Makes the event stream throw {@link Boom} instead of giving event {@code sequence}. */
    Run failingAtEvent(long sequence) {
      failAtEvent = sequence;
      return this;
    }

    /** Makes {@link #stageFile} throw {@link Boom}. */
    Run failingStageFile() {
      failStageFile = true;
      return this;
    }

    /** Calls {@code hook} with each event's sequence before the stream gives it. */
    Run onEvent(LongConsumer hook) {
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
      streamsOpened++;
      Iterator<RunEvent> it = events.get();
      return new EventStream() {
        @Override
        public boolean hasNext() {
          return it.hasNext();
        }

        @Override
        public RunEvent next() {
          RunEvent e = it.next();
          if (e.sequence() == failAtEvent) {
            throw new Boom("event stream failed at sequence " + e.sequence());
          }
          onEvent.accept(e.sequence());
          return e;
        }

        @Override
        public void close() {
          streamsClosed++;
        }
      };
    }

    @Override
    public List<StageManifest> stages() {
      return stages;
    }

    @Override
    public byte[] stageFile(StageManifest manifest, String path) {
      if (failStageFile) {
        throw new Boom("stage file " + path + " failed");
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
  }

  private static String key(StageManifest m, String path) {
    return m.stageKey() + "/" + m.attempt() + "/" + path;
  }

  /**
   * Copies a run out of a store into memory, so the copy outlives the run (a stub, a delete).
   *
   * @param store the source
   * @param id the run
   * @return the copy, read again from memory at each {@link ImportedRun#events()}
   */
  static Run copyOf(RunStore store, RunId id) {
    RunRecord record = store.get(id).orElseThrow();
    RunEntry entry = store.entry(id).orElseThrow();
    List<RunEvent> events = new ArrayList<>();
    try (EventStream s = store.read(id, 0)) {
      s.forEachRemaining(events::add);
    }
    RunHead head =
        new RunHead(
            entry.lastSequence(),
            entry.status(),
            entry.updatedAt(),
            events.get(events.size() - 1).hash());
    List<StageManifest> stages = store.stages(id);
    Map<String, byte[]> files = new HashMap<>();
    for (StageManifest m : stages) {
      for (StageManifest.Entry f : m.files()) {
        files.put(key(m, f.path()), store.readStageFile(id, m.stageKey(), m.attempt(), f.path()));
      }
    }
    List<RunEvent> copy = List.copyOf(events);
    return new Run(record, head, copy::iterator, stages, files);
  }

  /**
   * A generated run of {@code count} events, made lazily one by one: {@code run.created}, {@code
   * run.started}, then console lines. Nothing of it is held in memory.
   *
   * @param record the record
   * @param count the number of events, at least 2
   * @return the run, status running, no stages
   */
  static Run generated(RunRecord record, long count) {
    Instant start = record.createdAt();
    RunHead head =
        new RunHead(count, RunStatus.RUNNING, start.plusNanos(count * 1000), Optional.empty());
    Supplier<Iterator<RunEvent>> events =
        () ->
            new Iterator<>() {
              long next = 1;

              @Override
              public boolean hasNext() {
                return next <= count;
              }

              @Override
              public RunEvent next() {
                if (next > count) {
                  throw new NoSuchElementException();
                }
                return event(record.id(), next++, start);
              }
            };
    return new Run(record, head, events, List.of(), Map.of());
  }

  private static final Payload LINE =
      Payload.of(Map.of("stream", "stdout", "text", "a line of console output, as runs print"));

  /**
   * @return event {@code seq} of a generated run
   */
  static RunEvent event(RunId run, long seq, Instant start) {
    return new RunEvent(
        RunEvent.SCHEMA,
        EventId.of(new UUID(0x0190_0000_0000_7000L | (seq << 16), 0x8000_0000_0000_0000L | seq)),
        run,
        seq,
        seq == 1
            ? EventTypes.RUN_CREATED
            : seq == 2 ? EventTypes.RUN_STARTED : EventTypes.CONSOLE_LINE,
        start.plusNanos(seq * 1000),
        Optional.empty(),
        OptionalInt.empty(),
        Optional.empty(),
        EventDraft.DEFAULT_SOURCE,
        Optional.empty(),
        seq <= 2 ? Payload.empty() : LINE,
        Map.of());
  }
}
