package dev.runs.payload;

/**
 * The {@code usage} object of a model call: {@code {"input_tokens": 812, "output_tokens": 96}}.
 *
 * @param inputTokens tokens sent to the model (prompt), at least 0
 * @param outputTokens tokens the model produced (completion), at least 0
 */
public record TokenUsage(@NonNegative long inputTokens, @NonNegative long outputTokens) {

  /** Checks that both counts are non-negative. */
  public TokenUsage {
    Checks.nonNegative(null, "usage.input_tokens", inputTokens);
    Checks.nonNegative(null, "usage.output_tokens", outputTokens);
  }

  /**
   * @param inputTokens tokens sent to the model
   * @param outputTokens tokens the model produced
   * @return the usage
   */
  public static TokenUsage of(long inputTokens, long outputTokens) {
    return new TokenUsage(inputTokens, outputTokens);
  }

  /**
   * @return input plus output tokens
   */
  public long totalTokens() {
    return Math.addExact(inputTokens, outputTokens);
  }
}
