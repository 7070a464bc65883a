package dev.runs.opentelemetry.internal;

import dev.runs.RunRecord;
import dev.runs.opentelemetry.RunTraceExporter;
import dev.runs.spi.ContextLabels;
import java.util.Map;

/**
 * The W3C {@code traceparent} of the span current when a run starts, as the run's {@link
 * RunRecord#TRACEPARENT_LABEL} label, so its root span is parented there: found by {@link
 * java.util.ServiceLoader} when this module is on the class path. Public only for the service
 * loader; not API. Thread-safe (stateless).
 */
public final class TraceparentLabel implements ContextLabels {
  /** For the service loader. */
  public TraceparentLabel() {}

  @Override
  public Map<String, String> labels() {
    return RunTraceExporter.currentTraceparent()
        .map(tp -> Map.of(RunRecord.TRACEPARENT_LABEL, tp))
        .orElse(Map.of());
  }
}
