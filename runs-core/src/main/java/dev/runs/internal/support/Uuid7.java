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
    if (s.length() != 36) {
      return false;
    }
    for (int i = 0; i < 36; i++) {
      char c = s.charAt(i);
      if (i == 8 || i == 13 || i == 18 || i == 23) {
        if (c != '-') {
          return false;
        }
      } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }
}
