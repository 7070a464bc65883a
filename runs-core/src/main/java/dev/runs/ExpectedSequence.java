package dev.runs;

/**
 * Optimistic concurrency for an append: the caller states the run's last sequence as it last saw
 * it, and the append fails with {@link SequenceConflictException} (writing nothing) if somebody
 * appended in between.
 *
 * @param value the expected last sequence, or {@code -1} for any
 */
public record ExpectedSequence(long value) {
  private static final ExpectedSequence ANY = new ExpectedSequence(-1);

  /** Validates the value. */
  public ExpectedSequence {
    if (value < -1) {
      throw new IllegalArgumentException(
          "expected sequence must be -1 (any) or >= 0 but was " + value);
    }
  }

  /**
   * @return no expectation: append after whatever is there
   */
  public static ExpectedSequence any() {
    return ANY;
  }

  /**
   * @param lastSequence the run's last sequence as the caller saw it
   * @return the expectation
   */
  public static ExpectedSequence of(long lastSequence) {
    if (lastSequence < 0) {
      throw new IllegalArgumentException("last sequence must be >= 0 but was " + lastSequence);
    }
    return new ExpectedSequence(lastSequence);
  }

  /**
   * @return true when no expectation is set
   */
  public boolean isAny() {
    return value < 0;
  }
}
