package dev.runs;

/**
 * Size limits every append is checked against before anything is written. Exceeding one throws
 * {@link LimitExceededException} naming the limit.
 *
 * @param maxPayloadBytes largest payload in UTF-8 bytes (default 1 MiB)
 * @param maxJsonDepth deepest nesting of a payload (default 64; a flat object is 1)
 * @param maxEventsPerAppend most events in one append call (default 10,000)
 */
public record StoreLimits(int maxPayloadBytes, int maxJsonDepth, int maxEventsPerAppend) {
  private static final StoreLimits DEFAULTS = new StoreLimits(1024 * 1024, 64, 10_000);

  /**
   * @return the defaults: 1 MiB, depth 64, 10,000 events
   */
  public static StoreLimits defaults() {
    return DEFAULTS;
  }

  /** Validates the limits. */
  public StoreLimits {
    if (maxPayloadBytes < 2 || maxPayloadBytes > 64 * 1024 * 1024) {
      throw new IllegalArgumentException(
          "maxPayloadBytes must be 2 to 64 MiB but was " + maxPayloadBytes);
    }
    if (maxJsonDepth < 1 || maxJsonDepth > 200) {
      throw new IllegalArgumentException("maxJsonDepth must be 1 to 200 but was " + maxJsonDepth);
    }
    if (maxEventsPerAppend < 1 || maxEventsPerAppend > 1_000_000) {
      throw new IllegalArgumentException(
          "maxEventsPerAppend must be 1 to 1,000,000 but was " + maxEventsPerAppend);
    }
  }

  /**
   * @param value largest payload in UTF-8 bytes
   * @return a copy with the limit changed
   */
  public StoreLimits withMaxPayloadBytes(int value) {
    return new StoreLimits(value, maxJsonDepth, maxEventsPerAppend);
  }

  /**
   * @param value deepest payload nesting
   * @return a copy with the limit changed
   */
  public StoreLimits withMaxJsonDepth(int value) {
    return new StoreLimits(maxPayloadBytes, value, maxEventsPerAppend);
  }

  /**
   * @param value most events in one append
   * @return a copy with the limit changed
   */
  public StoreLimits withMaxEventsPerAppend(int value) {
    return new StoreLimits(maxPayloadBytes, maxJsonDepth, value);
  }
}
