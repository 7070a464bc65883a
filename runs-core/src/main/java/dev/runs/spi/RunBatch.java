package dev.runs.spi;

import dev.runs.EventCodec;
import dev.runs.RunEvent;
import dev.runs.RunId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The appends to one run gathered into a group commit. The core builds it; the engine, inside its
 * transaction or under its lock for the run, loads the run's head and the events already stored
 * under this batch's idempotency keys, asks {@link #plan} which events to write, writes them, and
 * stores {@link #headAfter()}.
 *
 * <pre>{@code
 * for (RunBatch b : batches) {
 *   Optional<RunHead> head = loadHead(b.runId());               // inside the transaction
 *   Map<String, RunEvent> known = loadByKeys(b.runId(), b.idempotencyKeys());
 *   List<RunEvent> toWrite = b.plan(head, known);
 *   insert(toWrite);                                           // each with b.envelope(e)
 *   if (!toWrite.isEmpty()) saveHead(b.runId(), b.headAfter());
 * }
 * commit();
 * }</pre>
 *
 * <p>An engine that cannot make one run's batch durable calls {@link #fail(RuntimeException)} for
 * it and goes on with the others; throwing from the engine's commit fails every batch not already
 * failed. Not thread-safe: one engine thread handles a batch.
 */
public interface RunBatch {
  /**
   * @return the run
   */
  RunId runId();

  /**
   * @return the idempotency keys the drafts of this batch carry; look these up before planning
   */
  Set<String> idempotencyKeys();

  /**
   * Decides what to write: assigns sequences after the head, checks expected sequences and the
   * state machine, resolves idempotency keys. Appends that fail a check are refused on their own;
   * the others proceed.
   *
   * @param head the run's head, empty when the run does not exist
   * @param known events already stored under some of {@link #idempotencyKeys()}, by key
   * @return the new events to write, in sequence order (possibly none)
   */
  List<RunEvent> plan(Optional<RunHead> head, Map<String, RunEvent> known);

  /**
   * The canonical envelope of an event to write, byte for byte what {@link EventCodec#encodeUtf8}
   * gives. The core's batches hand out the envelope they made while planning when the run's hash
   * chain is on (its link is computed over the same text), so an engine that stores envelopes takes
   * them from here instead of encoding each event a second time.
   *
   * @param event one of the events the last {@link #plan} returned
   * @return its envelope as UTF-8, without a line feed; the caller must not change it
   */
  default byte[] envelope(RunEvent event) {
    return EventCodec.encodeUtf8(event);
  }

  /**
   * @return the head after the planned events; call after {@link #plan}
   */
  RunHead headAfter();

  /**
   * Marks this run's batch as not durable; its callers get the exception.
   *
   * @param error what failed, typically a {@link dev.runs.StoreIoException}
   */
  void fail(RuntimeException error);
}
