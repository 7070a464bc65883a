package dev.runs.bench;

import dev.runs.RunStore;
import dev.runs.micrometer.RunsMetrics;
import dev.runs.opentelemetry.RunSpanIds;
import dev.runs.opentelemetry.RunTraceExporter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.IdGenerator;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Both observability modules on a store, as a host would wire them: {@code RunsMetrics} bound to a
 * registry and a live {@code RunTraceExporter} on an SDK with a batch processor whose exporter only
 * counts spans (the network is not what is measured).
 */
final class Observability implements AutoCloseable {
  final AtomicLong exportedSpans = new AtomicLong();
  final RunsMetrics metrics;
  final OpenTelemetrySdk sdk;
  final RunTraceExporter traces;

  Observability(RunStore store) {
    this(store, true, true);
  }

  /**
   * @param store the store
   * @param withMetrics whether the metrics binder observes the store
   * @param withTraces whether the live trace export runs
   */
  Observability(RunStore store, boolean withMetrics, boolean withTraces) {
    metrics = RunsMetrics.builder(store).build();
    if (withMetrics) {
      metrics.bindTo(new SimpleMeterRegistry());
    }
    SpanExporter counting =
        new SpanExporter() {
          @Override
          public CompletableResultCode export(Collection<SpanData> spans) {
            exportedSpans.addAndGet(spans.size());
            return CompletableResultCode.ofSuccess();
          }

          @Override
          public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
          }

          @Override
          public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
          }
        };
    sdk =
        OpenTelemetrySdk.builder()
            .setTracerProvider(
                SdkTracerProvider.builder()
                    .setIdGenerator(RunSpanIds.withFallback(IdGenerator.random()))
                    .addSpanProcessor(BatchSpanProcessor.builder(counting).build())
                    .build())
            .build();
    traces = RunTraceExporter.builder(store, sdk).build();
    if (withTraces) {
      traces.startLive();
    }
  }

  @Override
  public void close() {
    traces.close();
    metrics.close();
    sdk.close();
  }
}
