package dev.runs.internal.support;

import java.time.Clock;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * UUID version 7 generator (RFC 9562): 48 bits of Unix milliseconds, then a 12-bit counter that
 * keeps ids from one generator strictly increasing within a millisecond (and across a clock that
 * steps back), then 62 random bits from {@link java.util.concurrent.ThreadLocalRandom} (ids must be
 * unique, not unguessable). Thread-safe and lock-free.
 */
public final class Uuid7 {
  private final Clock clock;

  /** Packed last issued (millis << 12 | counter). */
  private final AtomicLong last = new AtomicLong();

  /**
   * Creates a generator reading milliseconds from {@code clock}.
   *
   * @param clock the time source
   */
  public Uuid7(Clock clock) {
    this.clock = clock;
  }

  /**
   * @return a new UUIDv7, greater than every id this generator returned before
   */
  public UUID next() {
    long now = clock.millis() & 0xFFFF_FFFF_FFFFL;
    long packed;
    while (true) {
      long prev = last.get();
      long candidate = now << 12;
      if (candidate <= prev) {
        candidate = prev + 1; // same or earlier millisecond: bump the counter (overflow rolls ms)
      }
      if (last.compareAndSet(prev, candidate)) {
        packed = candidate;
        break;
      }
    }
    long millis = packed >>> 12;
    long counter = packed & 0xFFF;
    long msb = (millis << 16) | (0x7L << 12) | counter;
    long rand = java.util.concurrent.ThreadLocalRandom.current().nextLong();
    long lsb = (rand & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
    return new UUID(msb, lsb);
  }

  /**
   * @param s text
   * @return true for a UUID in canonical lowercase text form (36 characters, hyphens at 8, 13, 18
   *     and 23, lowercase hex digits elsewhere)
   */
  public static boolean isCanonical(String s) {
    return s.length() == 36
        && s.charAt(8) == '-'
        && s.charAt(13) == '-'
        && s.charAt(18) == '-'
        && s.charAt(23) == '-'
        && isLowerHex(s, 0, 8)
        && isLowerHex(s, 9, 13)
        && isLowerHex(s, 14, 18)
        && isLowerHex(s, 19, 23)
        && isLowerHex(s, 24, 36);
  }

  /**
   * Checks a range of text for lowercase hex digits without a branch per character (every decoded
   * event checks 96 of them: its id and its hash).
   *
   * @param s text
   * @param from first index
   * @param to index after the last
   * @return true when every character in the range is one of {@code 0-9a-f}
   */
  public static boolean isLowerHex(String s, int from, int to) {
    int bad = 0;
    for (int i = from; i < to; i++) {
      int c = s.charAt(i);
      int digit = (c - '0') | ('9' - c); // negative unless '0' to '9'
      int letter = (c - 'a') | ('f' - c); // negative unless 'a' to 'f'
      bad |= digit & letter; // negative when neither
    }
    return bad >= 0;
  }
}
