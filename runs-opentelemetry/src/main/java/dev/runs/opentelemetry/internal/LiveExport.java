package dev.runs.opentelemetry.internal;

import dev.runs.CommitReport;
import dev.runs.EventStream;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunRecord;
import dev.runs.RunStore;
import dev.runs.StoreObserver;
import io.opentelemetry.api.trace.Tracer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live mode: a store observer offers every created run's first event and every committed event
 * to a bounded queue (never waiting: a full queue drops the event and counts it) and one daemon
 * thread folds them into spans, run by run. A run first seen mid-log, or with a gap left by dropped
 * events, is caught up from the store on that thread, so drops delay spans but do not lose or
 * change them. Thread-safe.
 */
public final class LiveExport implements StoreObserver, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LiveExport.class);

  private final RunStore store;
  private final Tracer tracer;
  private final SpanAssembler.Settings settings;
  private final BlockingQueue<List<RunEvent>> queue =
      new java.util.concurrent.LinkedBlockingQueue<>();
  private final int capacity;
  private final java.util.concurrent.atomic.AtomicInteger pending =
      new java.util.concurrent.atomic.AtomicInteger();
  private final Map<RunId, SpanAssembler> runs;
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong folded = new AtomicLong();
  private final AtomicBoolean warned = new AtomicBoolean();
  private final Map<RunId, RunRecord> records = new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.Set<RunId> gapped = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final Thread worker;
  private volatile boolean stopping;
  private final RunStore.Registration registration;

  /**
   * Starts the worker and registers with the store.
   *
   * @param store the store whose commits are exported
   * @param tracer the tracer
   * @param settings content and conventions
   * @param capacity the queue's capacity in events
   * @param maxRuns the most runs with open spans kept; the least recently active is forgotten
   */
  public LiveExport(
      RunStore store, Tracer tracer, SpanAssembler.Settings settings, int capacity, int maxRuns) {
    this.store = store;
    this.tracer = tracer;
    this.settings = settings;
    this.capacity = capacity;
    this.runs =
        new LinkedHashMap<>(16, 0.75f, true) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<RunId, SpanAssembler> eldest) {
            return size() > maxRuns;
          }
        };
    this.worker = new Thread(this::work, "runs-opentelemetry-live");
    worker.setDaemon(true);
    worker.start();
    this.registration = store.observe(this);
  }

  @Override
  public void created(RunRecord record, RunEvent created) {
    if (records.size() > 100_000) {
      records.clear(); // runs created but never appended to: read from the store if they are
    }
    records.put(record.id(), record);
    offer(List.of(created));
  }

  @Override
  public void committed(CommitReport commit) {
    offer(commit.events());
  }

  /** Queues a commit's events as one element (one lock per commit), or drops them all. */
  private void offer(List<RunEvent> events) {
    int n = events.size();
    if (pending.addAndGet(n) > capacity) {
      pending.addAndGet(-n);
      dropped.addAndGet(n);
      for (RunEvent e : events) {
        gapped.add(e.runId());
      }
      return;
    }
    queue.add(events);
  }

  /**
   * @return events the full queue refused (their spans are rebuilt from the store later)
   */
  public long dropped() {
    return dropped.get();
  }

  /**
   * @return events folded into spans so far
   */
  public long folded() {
    return folded.get();
  }

  /**
   * @return events waiting in the queue
   */
  public int queued() {
    return pending.get();
  }

  private void work() {
    while (true) {
      List<RunEvent> e;
      try {
        e = queue.poll(50, TimeUnit.MILLISECONDS);
      } catch (InterruptedException ie) {
        return;
      }
      if (e == null) {
        // idle: runs whose events the full queue dropped are caught up from the store
        for (RunId id : List.copyOf(gapped)) {
          gapped.remove(id);
          guarded(id, () -> catchUp(id));
        }
        if (stopping && queue.isEmpty()) {
          return;
        }
        continue;
      }
      pending.addAndGet(-e.size());
      for (RunEvent event : e) {
        guarded(event.runId(), () -> fold(event));
      }
    }
  }

  private void guarded(RunId id, Runnable work) {
    try {
      work.run();
    } catch (RuntimeException ex) {
      if (warned.compareAndSet(false, true)) {
        log.warn(
            "run {} - live trace export failed (further failures are logged at debug)", id, ex);
      } else {
        log.debug("run {} - live trace export failed", id, ex);
      }
    }
  }

  private @Nullable SpanAssembler assembler(RunId id) {
    SpanAssembler a = runs.get(id);
    if (a == null) {
      RunRecord known = records.remove(id);
      Optional<RunRecord> record = known != null ? Optional.of(known) : store.get(id);
      if (record.isEmpty()) {
        return null;
      }
      a = new SpanAssembler(tracer, record.get(), settings);
      runs.put(id, a);
    }
    return a;
  }

  private void fold(RunEvent e) {
    SpanAssembler a = assembler(e.runId());
    if (a == null || e.sequence() <= a.lastSequence()) {
      return; // gone, or already folded while catching up
    }
    if (e.sequence() > a.lastSequence() + 1) {
      read(a, e.runId(), e.sequence() - 1);
    }
    a.accept(e);
    folded.incrementAndGet();
    if (a.finished()) {
      runs.remove(e.runId());
    }
  }

  private void catchUp(RunId id) {
    SpanAssembler a = assembler(id);
    if (a == null) {
      return;
    }
    read(a, id, Long.MAX_VALUE);
    if (a.finished()) {
      runs.remove(id);
    }
  }

  /** Folds stored events after the assembler's last one, up to {@code last}. */
  private void read(SpanAssembler a, RunId id, long last) {
    try (EventStream missed = store.read(id, a.lastSequence())) {
      while (missed.hasNext() && a.lastSequence() < last) {
        a.accept(missed.next());
        folded.incrementAndGet();
      }
    }
  }

  /** Unregisters, folds what is queued (for up to ten seconds) and stops the worker. */
  @Override
  public void close() {
    registration.close();
    stopping = true;
    try {
      worker.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (worker.isAlive()) {
      worker.interrupt();
    }
  }
}
