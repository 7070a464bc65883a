package dev.runs;

import java.util.Map;

/**
 * A model call being described, from {@link RunContext#model(String, String)}: add parameters and
 * route metadata, then {@link #started()} writes {@code model.generation.started}. Not thread-safe.
 */
public interface ModelCall {
  /**
   * @param key a parameter, e.g. {@code temperature}
   * @param value its value
   * @return this call
   */
  ModelCall param(String key, Object value);

  /**
   * @param params parameters to add
   * @return this call
   */
  ModelCall params(Map<String, ?> params);

  /**
   * @param key route metadata, e.g. {@code region} or {@code fallback_of}
   * @param value its value
   * @return this call
   */
  ModelCall route(String key, Object value);

  /**
   * Writes {@code model.generation.started}.
   *
   * @return the generation, to complete or fail
   * @throws RunCancelledException when the run was asked to stop
   * @throws BudgetExceededException when the run's wall time budget is used up
   */
  ModelGeneration started();
}
