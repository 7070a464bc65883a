package dev.runs.examples;

import dev.runs.RunStore;
import dev.runs.opentelemetry.RunSpanIds;
import dev.runs.opentelemetry.RunTraceExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.IdGenerator;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The demo's {@code --otlp} option: an OpenTelemetry SDK exporting over OTLP/HTTP, with the live
 * trace export of the demo's store. Closing it flushes the spans and shuts the SDK down; without a
 * URL it does nothing.
 */
final class OtlpTraces implements AutoCloseable {
  private final @Nullable OpenTelemetrySdk sdk;
  private final @Nullable RunTraceExporter traces;

  private final Optional<String> endpoint;

  private OtlpTraces(
      @Nullable OpenTelemetrySdk sdk,
      @Nullable RunTraceExporter traces,
      Optional<String> endpoint) {
    this.sdk = sdk;
    this.traces = traces;
    this.endpoint = endpoint;
  }

  /**
   * @return the OTLP/HTTP URL spans go to; empty when traces are off
   */
  Optional<String> endpoint() {
    return endpoint;
  }

  static OtlpTraces start(RunStore store, Optional<String> url) {
    if (url.isEmpty()) {
      return new OtlpTraces(null, null, url);
    }
    OpenTelemetrySdk sdk =
        OpenTelemetrySdk.builder()
            .setTracerProvider(
                SdkTracerProvider.builder()
                    .setResource(
                        Resource.getDefault()
                            .merge(Resource.builder().put("service.name", "runs-demo").build()))
                    .setIdGenerator(RunSpanIds.withFallback(IdGenerator.random()))
                    .addSpanProcessor(
                        BatchSpanProcessor.builder(
                                OtlpHttpSpanExporter.builder().setEndpoint(url.get()).build())
                            .build())
                    .build())
            .build();
    return new OtlpTraces(sdk, RunTraceExporter.builder(store, sdk).build().startLive(), url);
  }

  @Override
  public void close() {
    if (traces != null) {
      traces.close();
    }
    if (sdk != null) {
      sdk.getSdkTracerProvider().forceFlush().join(10, TimeUnit.SECONDS);
      sdk.close();
    }
  }
}
