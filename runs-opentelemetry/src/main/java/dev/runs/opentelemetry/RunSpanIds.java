package dev.runs.opentelemetry;

import dev.runs.opentelemetry.internal.Ids;
import io.opentelemetry.sdk.trace.IdGenerator;
import java.util.Objects;

/**
 * An SDK {@link IdGenerator} that gives the spans {@link RunTraceExporter} starts ids derived from
 * the run and event ids, so exporting a run twice, or from two processes, yields the same trace and
 * span ids. Every other span gets its id from the fallback. Needs {@code opentelemetry-sdk-trace}
 * on the class path (the exporter alone does not).
 *
 * <pre>{@code
 * SdkTracerProvider.builder().setIdGenerator(RunSpanIds.withFallback(IdGenerator.random()))
 * }</pre>
 *
 * <p>Thread-safe: the derived ids are handed over per thread while the exporter starts a span.
 */
public final class RunSpanIds implements IdGenerator {
  private final IdGenerator fallback;

  private RunSpanIds(IdGenerator fallback) {
    this.fallback = fallback;
  }

  /**
   * @param fallback the generator for spans other than the exporter's
   * @return the generator
   */
  public static RunSpanIds withFallback(IdGenerator fallback) {
    return new RunSpanIds(Objects.requireNonNull(fallback, "fallback"));
  }

  @Override
  public String generateSpanId() {
    Ids.Hint h = Ids.current();
    return h != null ? h.spanId() : fallback.generateSpanId();
  }

  @Override
  public String generateTraceId() {
    Ids.Hint h = Ids.current();
    return h != null ? h.traceId() : fallback.generateTraceId();
  }
}
