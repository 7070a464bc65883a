package dev.runs;

/**
 * Input exceeded a configured limit (payload bytes, JSON nesting depth, events per append). The
 * limit and the actual value are carried so callers can split or shrink the input; see {@link
 * StoreLimits} for the defaults and how to change them.
 */
public final class LimitExceededException extends ValidationException {
  private static final long serialVersionUID = 1L;

  private final String limit;
  private final long maximum;
  private final long actual;

  /**
   * Creates the exception.
   *
   * @param field the field whose value was too large
   * @param limit the name of the limit, as in {@link StoreLimits}
   * @param maximum the configured maximum
   * @param actual the value seen (a lower bound when counting stopped early)
   */
  public LimitExceededException(String field, String limit, long maximum, long actual) {
    super(field, rule(limit, maximum, actual));
    this.limit = limit;
    this.maximum = maximum;
    this.actual = actual;
  }

  /**
   * Creates the exception with a context prefix.
   *
   * @param context where the input came from, e.g. the run and event position
   * @param field the field whose value was too large
   * @param limit the name of the limit, as in {@link StoreLimits}
   * @param maximum the configured maximum
   * @param actual the value seen
   */
  public LimitExceededException(
      String context, String field, String limit, long maximum, long actual) {
    super(context, field, rule(limit, maximum, actual));
    this.limit = limit;
    this.maximum = maximum;
    this.actual = actual;
  }

  private static String rule(String limit, long maximum, long actual) {
    return limit
        + " is "
        + maximum
        + " but got "
        + actual
        + " (raise it with RunStoreOptions.builder().limits(...) if this is intended)";
  }

  /**
   * @return the name of the limit, e.g. {@code maxPayloadBytes}
   */
  public String limit() {
    return limit;
  }

  /**
   * @return the configured maximum
   */
  public long maximum() {
    return maximum;
  }

  /**
   * @return the value seen
   */
  public long actual() {
    return actual;
  }
}
