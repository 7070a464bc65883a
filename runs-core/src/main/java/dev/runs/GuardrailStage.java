package dev.runs;

import java.util.Locale;

/** Whether a guardrail checked what goes into a model or agent, or what came out. */
public enum GuardrailStage {
  /** The input side. */
  INPUT,
  /** The output side. */
  OUTPUT;

  /**
   * @return the lowercase JSON name
   */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
