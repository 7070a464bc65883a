package dev.runs.store.file;

import dev.runs.EventStream;
import dev.runs.RunEntry;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunRecord;
import dev.runs.RunStore;
import dev.runs.StageManifest;
import dev.runs.spi.ImportedRun;
import dev.runs.spi.RunHead;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * An {@link ImportedRun} read from another store, as a bundle import or an archive restore would
 * hand it over, with failures and pauses on demand: the events stream fails at a chosen sequence, a
 * stage file read fails, or the stream waits at a sequence until released.
 */
final class ImportSource implements ImportedRun {
  private final RunRecord record;
  private final RunHead head;
  private final Supplier<EventStream> events;
  private final List<StageManifest> stages;
  private final StageFiles files;
  private boolean replacesStub;

  /** Fails the stream when it reaches this sequence; 0: never. */
  long failAtSequence;

  /** Fails every stage file read. */
  boolean failStageFile;

  /** When set, the stream counts down {@link #paused} at {@link #pauseAt} and waits for this. */
  @Nullable CountDownLatch resume;

  final CountDownLatch paused = new CountDownLatch(1);
  long pauseAt;

  /** Reads a stage file of the source. */
  @FunctionalInterface
  interface StageFiles {
    byte[] read(StageManifest m, String path);
  }

  ImportSource(
      RunRecord record,
      RunHead head,
      Supplier<EventStream> events,
      List<StageManifest> stages,
      StageFiles files) {
    this.record = record;
    this.head = head;
    this.events = events;
    this.stages = stages;
    this.files = files;
  }

  /** The run {@code id} of {@code source}, read lazily from it. */
  static ImportSource of(RunStore source, RunId id) {
    RunRecord record = source.get(id).orElseThrow();
    RunEntry entry = source.entry(id).orElseThrow();
    RunEvent last = source.read(id, entry.lastSequence() - 1, 1).get(0);
    RunHead head = new RunHead(last.sequence(), entry.status(), last.time(), last.hash());
    return new ImportSource(
        record,
        head,
        () -> source.read(id, 0),
        source.stages(id),
        (m, path) -> source.readStageFile(id, m.stageKey(), m.attempt(), path));
  }

  ImportSource replacingStub() {
    replacesStub = true;
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
    EventStream inner = events.get();
    return new EventStream() {
      @Override
      public boolean hasNext() {
        return inner.hasNext();
      }

      @Override
      public RunEvent next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        RunEvent e = inner.next();
        if (e.sequence() == failAtSequence) {
          throw new IllegalStateException("the bundle broke at event " + e.sequence());
        }
        CountDownLatch r = resume;
        if (r != null && e.sequence() == pauseAt) {
          paused.countDown();
          try {
            if (!r.await(60, TimeUnit.SECONDS)) {
              throw new IllegalStateException("never resumed");
            }
          } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ie);
          }
        }
        return e;
      }

      @Override
      public void close() {
        inner.close();
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
      throw new IllegalStateException("the bundle lost " + path);
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
    return "ImportSource[" + record.id() + ", head " + head + "]";
  }
}
