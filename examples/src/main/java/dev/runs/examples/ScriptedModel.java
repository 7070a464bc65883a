package dev.runs.examples;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Optional;

/**
 * A fake chat model for the demo: it answers from fixtures, so every run is the same. A fixture is
 * chosen by agent, turn and temperature, like a recorded conversation; the token counts are the
 * fixture's, the cost follows a price list, and each answer takes a few milliseconds.
 */
final class ScriptedModel {
  static final String PROVIDER = "sim";
  static final String MODEL = "sim-chat-1";

  /** Dollars per million input tokens and per million output tokens. */
  private static final BigDecimal INPUT_PRICE = new BigDecimal("2.50");

  private static final BigDecimal OUTPUT_PRICE = new BigDecimal("10.00");
  private static final BigDecimal MILLION = new BigDecimal(1_000_000);

  /** A tool the model asks for. */
  record ToolRequest(String tool, String orderId) {}

  /** One fixture. */
  private record Fixture(
      String agent,
      String turn,
      double minTemperature,
      double maxTemperature,
      String text,
      Optional<ToolRequest> toolRequest,
      long inputTokens,
      long outputTokens,
      int latencyMs) {}

  /** The model's answer. */
  record Reply(
      String text,
      Optional<ToolRequest> toolRequest,
      long inputTokens,
      long outputTokens,
      BigDecimal cost,
      int latencyMs) {
    String finishReason() {
      return toolRequest.isPresent() ? "tool_calls" : "stop";
    }
  }

  private static final List<Fixture> FIXTURES =
      List.of(
          new Fixture(
              "triage",
              "plan",
              0.0,
              2.0,
              "The customer reports a damaged item on order A-1042. Look the order up first.",
              Optional.of(new ToolRequest("lookup_order", "A-1042")),
              412,
              38,
              6),
          new Fixture(
              "billing",
              "draft",
              0.0,
              0.5,
              "So sorry about the lamp! I guarantee a full refund within 24 hours.",
              Optional.empty(),
              655,
              41,
              8),
          new Fixture(
              "billing",
              "revise",
              0.0,
              0.5,
              "Sorry the lamp arrived cracked. Order A-1042 is within our 30-day window for damaged"
                  + " items: reply with a photo and we will start the refund today.",
              Optional.empty(),
              702,
              47,
              7),
          new Fixture(
              "billing",
              "draft",
              0.5,
              2.0,
              "Oh no, a cracked lamp is no way to start the week! Order A-1042 qualifies for a"
                  + " refund under our 30-day damaged-item policy; send us a photo and it starts"
                  + " today.",
              Optional.empty(),
              655,
              52,
              8));

  /**
   * Answers one turn.
   *
   * @param agent the agent speaking, e.g. {@code triage}
   * @param turn the turn, e.g. {@code plan}
   * @param temperature the sampling temperature of the run's config
   * @return the fixture's reply
   * @throws IllegalStateException when no fixture matches (a bug in the demo)
   * @throws InterruptedException when the thread is interrupted while "generating"
   */
  Reply answer(String agent, String turn, double temperature) throws InterruptedException {
    for (Fixture f : FIXTURES) {
      if (f.agent.equals(agent)
          && f.turn.equals(turn)
          && temperature >= f.minTemperature
          && temperature < f.maxTemperature) {
        Thread.sleep(f.latencyMs); // a few milliseconds, so durations look like durations
        return new Reply(
            f.text,
            f.toolRequest,
            f.inputTokens,
            f.outputTokens,
            cost(f.inputTokens, f.outputTokens),
            f.latencyMs);
      }
    }
    throw new IllegalStateException(
        "no fixture for agent " + agent + ", turn " + turn + ", temperature " + temperature);
  }

  static BigDecimal cost(long inputTokens, long outputTokens) {
    return INPUT_PRICE
        .multiply(BigDecimal.valueOf(inputTokens))
        .add(OUTPUT_PRICE.multiply(BigDecimal.valueOf(outputTokens)))
        .divide(MILLION, 6, RoundingMode.HALF_UP);
  }
}
