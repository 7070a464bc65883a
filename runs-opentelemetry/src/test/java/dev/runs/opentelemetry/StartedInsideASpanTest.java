package dev.runs.opentelemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.RunHandle;
import dev.runs.RunOrchestrator;
import dev.runs.RunRecord;
import dev.runs.RunRequest;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A run started inside a host's span records that span's traceparent with no code of the host's:
 * this module contributes it to every orchestrator through {@link dev.runs.spi.ContextLabels}.
 */
final class StartedInsideASpanTest {
  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private final OpenTelemetrySdk otel =
      OpenTelemetrySdk.builder()
          .setTracerProvider(
              SdkTracerProvider.builder()
                  .addSpanProcessor(SimpleSpanProcessor.create(spans))
                  .build())
          .build();
  private final RunStore store = RunStores.open("memory:");
  private final RunOrchestrator orchestrator =
      RunOrchestrator.builder(store).workflow("w", "1", ctx -> "done").build();

  @AfterEach
  void close() {
    orchestrator.close();
    store.close();
    otel.close();
  }

  private RunRecord start(String trigger) {
    RunHandle h =
        orchestrator.start(
            RunRequest.builder()
                .workflow("w", "1")
                .trigger(Trigger.of(TriggerSource.TEST, trigger))
                .build());
    assertThat(h.completion().join()).isEqualTo(RunStatus.COMPLETED);
    return store.get(h.runId()).orElseThrow();
  }

  @Test
  void aRunStartedInsideAHostSpan_recordsItsTraceparent_andItsRootSpanIsParentedThere() {
    Span request = otel.getTracer("host").spanBuilder("POST /orders").startSpan();
    RunRecord record;
    Scope scope = request.makeCurrent();
    try {
      record = start("order-1");
    } finally {
      scope.close();
      request.end();
    }
    String expected =
        "00-"
            + request.getSpanContext().getTraceId()
            + "-"
            + request.getSpanContext().getSpanId()
            + "-"
            + request.getSpanContext().getTraceFlags().asHex();
    assertThat(record.traceparent()).contains(expected);

    RunTraceExporter.builder(store, otel).build().export(record.id());
    SpanData root =
        spans.getFinishedSpanItems().stream()
            .filter(s -> s.getName().startsWith("invoke_workflow"))
            .findFirst()
            .orElseThrow();
    assertThat(root.getTraceId()).isEqualTo(request.getSpanContext().getTraceId());
    assertThat(root.getParentSpanId()).isEqualTo(request.getSpanContext().getSpanId());
  }

  @Test
  void aRunStartedOutsideAnySpan_hasNoTraceparent() {
    assertThat(start("order-2").traceparent()).isEmpty();
  }
}
