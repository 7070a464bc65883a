package dev.runs;

import dev.runs.spi.Sha256;
import java.util.Iterator;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The per-run hash chain that makes a stored log tamper-evident. Each event's {@link
 * RunEvent#hash()} is SHA-256 over the previous link and the event's canonical line without the
 * hash:
 *
 * <pre>
 * hash(1) = sha256(genesis + "\n" + line(1))      genesis = sha256(run record JSON)
 * hash(n) = sha256(hash(n-1) + "\n" + line(n))
 * </pre>
 *
 * <p>where {@code line(n)} is {@link EventCodec#encodeUnhashedTo}, hex digits are lowercase, and
 * the text is hashed as UTF-8. An event after one without a hash (written while the chain was off)
 * links to {@link #UNCHAINED}.
 *
 * <p><b>What it proves.</b> A changed byte in any stored event, a removed or inserted event, or a
 * swapped order breaks the chain at that sequence; {@link RunStore#verify} names the first broken
 * one. <b>What it does not.</b> Someone who rewrites the whole chain after the edit (or cuts the
 * log's end) is not detected by the chain alone: keep {@link Result#headHash()} somewhere the
 * writer cannot change (a ticket, a signed note, another system), and compare it later.
 *
 * <p>Stateless and thread-safe.
 */
public final class HashChain {
  /** The link an event uses when the event before it carries no hash. */
  public static final String UNCHAINED = "0".repeat(64);

  private HashChain() {}

  /**
   * @param record the run
   * @return the link the run's first event is hashed with: SHA-256 of {@link RunRecord#toJson()}
   */
  public static String genesis(RunRecord record) {
    return Sha256.hex(record.toJson());
  }

  /**
   * Computes an event's link.
   *
   * @param previous the previous event's hash, {@link #genesis} for sequence 1, or {@link
   *     #UNCHAINED}
   * @param event the event; its own hash, if any, is ignored
   * @return the hash the event carries in a chained log
   */
  public static String link(String previous, RunEvent event) {
    Objects.requireNonNull(previous, "previous");
    return EventCodec.link(previous, event);
  }

  /**
   * Checks a run's chain.
   *
   * @param record the run
   * @param events all its events, in sequence order from 1 (read once, in constant memory)
   * @return what the check found
   */
  public static Result verify(RunRecord record, Iterator<RunEvent> events) {
    String previous = genesis(record);
    long chained = 0;
    Optional<String> head = Optional.empty();
    while (events.hasNext()) {
      RunEvent e = events.next();
      Optional<String> h = e.hash();
      if (h.isEmpty()) {
        if (head.isPresent()) {
          return new Result(
              chained,
              OptionalLong.of(e.sequence()),
              head,
              "sequence "
                  + e.sequence()
                  + " has no hash although sequence "
                  + (e.sequence() - 1)
                  + " is chained: the hash was removed, or the chain was switched off");
        }
        previous = UNCHAINED;
        continue;
      }
      String expected = link(previous, e);
      if (!expected.equals(h.get())) {
        return new Result(
            chained,
            OptionalLong.of(e.sequence()),
            head,
            "sequence "
                + e.sequence()
                + " does not match its hash: the event or the one before it was changed,"
                + " removed or inserted after it was written");
      }
      chained++;
      previous = h.get();
      head = h;
    }
    return new Result(chained, OptionalLong.empty(), head, "");
  }

  /**
   * The outcome of {@link #verify}.
   *
   * @param chainedEvents how many events carry a hash that checks out (up to the first break)
   * @param firstBroken the first sequence whose hash does not check out; empty when none
   * @param headHash the hash of the last event that checks out: the value to keep elsewhere as an
   *     anchor; empty when no event is chained
   * @param detail why the chain broke, in words; empty when it did not
   */
  public record Result(
      long chainedEvents, OptionalLong firstBroken, Optional<String> headHash, String detail) {
    /** Checks the components. */
    public Result {
      Objects.requireNonNull(firstBroken, "firstBroken");
      Objects.requireNonNull(headHash, "headHash");
      Objects.requireNonNull(detail, "detail");
    }

    /**
     * @return true when no link is broken
     */
    public boolean intact() {
      return firstBroken.isEmpty();
    }
  }
}
