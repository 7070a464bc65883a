package dev.runs.internal.orchestrator;

import dev.runs.EventDraft;
import dev.runs.spi.Sha256;

/**
 * Deterministic idempotency keys of orchestrator events. A key names what the event stands for (a
 * step attempt's start, a resume by one trigger, the end of one execution), so an execution that
 * repeats work gets the first event back instead of writing a second one.
 */
final class Keys {
  private Keys() {}

  static final String QUEUED = "queued";
  static final String STARTED = "started";

  static String end(int execution) {
    return "end:" + execution;
  }

  static String resume(String triggerId) {
    return fit("resume:" + triggerId);
  }

  static String step(String stepId, int attempt, String verb) {
    return fit("step:" + stepId + ":" + attempt + ":" + verb);
  }

  static String reused(String stepId) {
    return fit("step:" + stepId + ":reused");
  }

  static String phase(String phaseId, int execution, String verb) {
    return fit("phase:" + phaseId + ":" + execution + ":" + verb);
  }

  static String emit(String scope, int attempt, long n) {
    return fit("emit:" + scope + ":" + attempt + ":" + n);
  }

  static String budget(String dimension, int execution) {
    return "budget:" + dimension + ":" + execution;
  }

  static String stage(String stageKey, int attempt, String what) {
    return fit("stage:" + stageKey + ":" + attempt + ":" + what);
  }

  /** Keeps a key within the envelope's limit by hashing long ones. */
  static String fit(String key) {
    if (key.length() <= EventDraft.MAX_IDEMPOTENCY_KEY_LENGTH) {
      return key;
    }
    return key.substring(0, 100) + "#" + Sha256.hex(key);
  }
}
