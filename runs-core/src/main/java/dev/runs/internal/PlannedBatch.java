package dev.runs.internal;

import dev.runs.EventDraft;
import dev.runs.EventId;
import dev.runs.HashChain;
import dev.runs.IllegalTransitionException;
import dev.runs.RunArchivedException;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import dev.runs.RunStatus;
import dev.runs.RunsException;
import dev.runs.SequenceConflictException;
import dev.runs.StoreCorruptedException;
import dev.runs.internal.codec.ChainLink;
import dev.runs.internal.codec.EventJson;
import dev.runs.internal.support.Times;
import dev.runs.internal.support.Uuid7;
import dev.runs.spi.RunBatch;
import dev.runs.spi.RunHead;
import dev.runs.spi.Sha256;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** The core's side of {@link RunBatch}: all pending appends of one run in one group commit. */
final class PlannedBatch implements RunBatch {
  private final RunId runId;
  private final List<PendingAppend> appends = new ArrayList<>();
  private final Clock clock;
  private final Uuid7 ids;
  private @Nullable RunHead headAfter;
  private List<RunEvent> written = List.of();

  /** Fails every append of the batch with one error: nothing is written. */
  private List<RunEvent> refuseAll(RunsException error) {
    for (PendingAppend a : appends) {
      a.error = error;
    }
    headAfter = null;
    written = List.of();
    linkedTexts = null;
    return List.of();
  }

  /**
   * The texts the links of {@link #written} were computed over, by position, when the hash chain is
   * on: each holds its event's envelope ({@link ChainLink#envelope}).
   */
  private byte @Nullable [][] linkedTexts;

  private @Nullable RuntimeException failure;
  private boolean planned;
  private final boolean hashChain;

  PlannedBatch(RunId runId, Clock clock, Uuid7 ids, boolean hashChain) {
    this.runId = runId;
    this.clock = clock;
    this.ids = ids;
    this.hashChain = hashChain;
  }

  void add(PendingAppend a) {
    appends.add(a);
  }

  List<PendingAppend> appends() {
    return appends;
  }

  int eventCount() {
    int n = 0;
    for (PendingAppend a : appends) {
      n += a.drafts.size();
    }
    return n;
  }

  @Override
  public RunId runId() {
    return runId;
  }

  @Override
  public Set<String> idempotencyKeys() {
    Set<String> keys = null;
    for (PendingAppend a : appends) {
      for (EventDraft d : a.drafts) {
        if (d.idempotencyKey().isPresent()) {
          if (keys == null) {
            keys = new LinkedHashSet<>();
          }
          keys.add(d.idempotencyKey().get());
        }
      }
    }
    return keys == null ? Set.of() : keys;
  }

  @Override
  public List<RunEvent> plan(Optional<RunHead> head, Map<String, RunEvent> known) {
    planned = true;
    // reset, in case an engine retries a transaction and plans again
    for (PendingAppend a : appends) {
      a.result = null;
      a.error = null;
    }
    if (head.isEmpty()) {
      return refuseAll(new RunNotFoundException(runId));
    }
    if (head.get().archived()) {
      return refuseAll(new RunArchivedException(runId));
    }
    Optional<String> cachedLink = head.get().lastHash();
    if (cachedLink.isPresent() && !Sha256.isHex(cachedLink.get())) {
      // the next event would link to it: a damaged head must not break the chain it extends
      return refuseAll(
          new StoreCorruptedException(
              "run "
                  + runId
                  + ": the stored head's hash chain link is not 64 lowercase hex digits ("
                  + cachedLink.get().length()
                  + " characters): the cached head was damaged"));
    }
    long seq = head.get().lastSequence();
    RunStatus status = head.get().status();
    Instant now = Times.micros(clock.instant()); // the envelope's precision, also in the head
    if (now.isBefore(head.get().updatedAt())) {
      now = head.get().updatedAt(); // keep time non-decreasing along a run's log
    }
    Instant updated = head.get().updatedAt();
    Optional<String> link = cachedLink;
    Map<String, RunEvent> keys = known.isEmpty() ? new HashMap<>() : new HashMap<>(known);
    List<RunEvent> toWrite = new ArrayList<>();
    List<byte[]> toWriteTexts = hashChain ? new ArrayList<>() : List.of();
    ChainLink chain = null; // this thread's, fetched once per plan
    for (PendingAppend a : appends) {
      if (!a.expected.isAny() && a.expected.value() != seq && !allKnown(a, keys)) {
        a.error = new SequenceConflictException(runId, a.expected.value(), seq);
        continue;
      }
      long s = seq;
      RunStatus st = status;
      Optional<String> l = link;
      List<RunEvent> result = new ArrayList<>(a.drafts.size());
      List<RunEvent> fresh = new ArrayList<>(a.drafts.size());
      List<byte[]> freshTexts = hashChain ? new ArrayList<>(a.drafts.size()) : List.of();
      Map<String, RunEvent> localKeys = null;
      try {
        for (EventDraft d : a.drafts) {
          Optional<String> key = d.idempotencyKey();
          if (key.isPresent()) {
            RunEvent earlier = keys.get(key.get());
            if (earlier == null && localKeys != null) {
              earlier = localKeys.get(key.get());
            }
            if (earlier != null) {
              result.add(earlier);
              continue;
            }
          }
          RunStatus next = dev.runs.RunStateMachine.apply(runId, st, d.type());
          st = next;
          s++;
          EventId id = EventId.of(ids.next());
          if (hashChain) {
            // the link is computed from the fields, so the event is built (and checked) once, and
            // its envelope is the hashed text with the link added: encoded once for both
            if (chain == null) {
              chain = ChainLink.forThisThread();
            }
            EventJson.encodeUnhashed(
                chain.begin(l.orElse(HashChain.UNCHAINED)),
                id,
                runId,
                s,
                d.type(),
                now,
                d.stepId(),
                d.attempt(),
                d.parentEventId(),
                d.source(),
                key,
                d.payload());
            l = Optional.of(chain.finishKeepingText());
            freshTexts.add(chain.takeLastText());
          } else {
            l = Optional.empty();
          }
          RunEvent e =
              new RunEvent(
                  RunEvent.SCHEMA,
                  id,
                  runId,
                  s,
                  d.type(),
                  now,
                  d.stepId(),
                  d.attempt(),
                  d.parentEventId(),
                  d.source(),
                  key,
                  d.payload(),
                  l,
                  Map.of());
          fresh.add(e);
          result.add(e);
          if (key.isPresent()) {
            if (localKeys == null) {
              localKeys = new HashMap<>();
            }
            localKeys.put(key.get(), e);
          }
        }
      } catch (IllegalTransitionException ex) {
        a.error = ex;
        continue;
      } catch (RunsException ex) {
        a.error = ex;
        continue;
      }
      seq = s;
      status = st;
      link = l;
      if (!fresh.isEmpty()) {
        updated = now;
      }
      if (localKeys != null) {
        keys.putAll(localKeys);
      }
      toWrite.addAll(fresh);
      if (hashChain) {
        toWriteTexts.addAll(freshTexts);
      }
      a.result = result;
    }
    headAfter = new RunHead(seq, status, updated, link);
    written = toWrite;
    linkedTexts = hashChain ? toWriteTexts.toArray(new byte[0][]) : null;
    return toWrite;
  }

  /**
   * With the hash chain on, the envelope is cut from the text the event's link was computed over
   * while planning, not encoded again; otherwise, or for an event this batch did not plan, it is
   * encoded now.
   */
  @Override
  @SuppressWarnings("ReferenceEquality") // the very event planned, not an equal one
  public byte[] envelope(RunEvent event) {
    byte[][] texts = linkedTexts;
    Optional<String> link = event.hash();
    if (texts != null && link.isPresent() && !written.isEmpty()) {
      long index = event.sequence() - written.get(0).sequence();
      if (index >= 0 && index < texts.length && written.get((int) index) == event) {
        return ChainLink.envelope(texts[(int) index], link.get());
      }
    }
    return RunBatch.super.envelope(event);
  }

  private static boolean allKnown(PendingAppend a, Map<String, RunEvent> keys) {
    for (EventDraft d : a.drafts) {
      if (d.idempotencyKey().isEmpty() || !keys.containsKey(d.idempotencyKey().get())) {
        return false;
      }
    }
    return true;
  }

  @Override
  public RunHead headAfter() {
    if (headAfter == null) {
      throw new IllegalStateException(
          "headAfter() is only defined after plan() on an existing run");
    }
    return headAfter;
  }

  @Override
  public void fail(RuntimeException error) {
    this.failure = error;
  }

  @Nullable RuntimeException failure() {
    return failure;
  }

  boolean planned() {
    return planned;
  }

  /**
   * @return the events the last plan() decided to write
   */
  List<RunEvent> written() {
    return written;
  }

  @Nullable RunHead headAfterOrNull() {
    return headAfter;
  }
}
