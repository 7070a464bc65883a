package dev.runs.opentelemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.runs.RunId;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.IdGenerator;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Exports the demo run over OTLP/HTTP to a receiver on loopback that decodes the protobuf. */
final class OtlpExportIT {

  @Test
  void export_overOtlpHttp_deliversTheSpanTreeAsProtobuf() throws Exception {
    List<Span> received = new CopyOnWriteArrayList<>();
    List<String> contentTypes = new CopyOnWriteArrayList<>();
    HttpServer receiver =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    receiver.createContext(
        "/v1/traces",
        ex -> {
          try (InputStream in = ex.getRequestBody()) {
            contentTypes.add(ex.getRequestHeaders().getFirst("Content-Type"));
            ExportTraceServiceRequest req = ExportTraceServiceRequest.parseFrom(in.readAllBytes());
            req.getResourceSpansList()
                .forEach(
                    rs -> rs.getScopeSpansList().forEach(ss -> received.addAll(ss.getSpansList())));
            ex.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            ex.sendResponseHeaders(200, -1);
          } catch (IOException e) {
            ex.sendResponseHeaders(400, -1);
          } finally {
            ex.close();
          }
        });
    receiver.start();
    DemoLog log = new DemoLog();
    try {
      String endpoint = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/v1/traces";
      SdkTracerProvider provider =
          SdkTracerProvider.builder()
              .setIdGenerator(RunSpanIds.withFallback(IdGenerator.random()))
              .addSpanProcessor(
                  BatchSpanProcessor.builder(
                          OtlpHttpSpanExporter.builder()
                              .setEndpoint(endpoint)
                              .setTimeout(Duration.ofSeconds(10))
                              .build())
                      .build())
              .build();
      RunId id = log.write(null);
      try (OpenTelemetrySdk otel = OpenTelemetrySdk.builder().setTracerProvider(provider).build()) {
        RunTraceExporter.builder(log.store, otel).build().export(id);
        assertThat(provider.forceFlush().join(10, TimeUnit.SECONDS).isSuccess()).isTrue();
      }
      assertThat(contentTypes).allSatisfy(c -> assertThat(c).isEqualTo("application/x-protobuf"));
      assertThat(received).hasSize(9);
      Map<String, Span> byName =
          received.stream().collect(Collectors.toMap(Span::getName, s -> s, (a, b) -> a));
      Span root = byName.get("invoke_workflow research");
      Span chat = byName.get("chat gpt-4o");
      Span planner = byName.get("invoke_agent planner");
      Span plan = byName.get("step plan");
      assertThat(root.getParentSpanId().isEmpty()).isTrue();
      assertThat(plan.getParentSpanId()).isEqualTo(root.getSpanId());
      assertThat(planner.getParentSpanId()).isEqualTo(plan.getSpanId());
      assertThat(chat.getParentSpanId()).isEqualTo(planner.getSpanId());
      assertThat(HexFormat.of().formatHex(root.getTraceId().toByteArray()))
          .isEqualTo(dev.runs.opentelemetry.internal.Ids.traceId(id));
      assertThat(chat.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
      assertThat(chat.getStartTimeUnixNano())
          .isEqualTo(TimeUnit.SECONDS.toNanos(DemoLog.t(4).getEpochSecond()));
      assertThat(chat.getEndTimeUnixNano())
          .isEqualTo(TimeUnit.SECONDS.toNanos(DemoLog.t(5).getEpochSecond()));
      Map<String, String> attrs =
          chat.getAttributesList().stream()
              .collect(Collectors.toMap(KeyValue::getKey, kv -> render(kv)));
      assertThat(attrs)
          .containsEntry("gen_ai.operation.name", "chat")
          .containsEntry("gen_ai.request.model", "gpt-4o")
          .containsEntry("gen_ai.usage.input_tokens", "100")
          .containsEntry("gen_ai.usage.output_tokens", "20");
      assertThat(byName.get("invoke_agent writer").getLinksList())
          .singleElement()
          .satisfies(l -> assertThat(l.getSpanId()).isEqualTo(planner.getSpanId()));
    } finally {
      receiver.stop(0);
      log.store.close();
    }
  }

  private static String render(KeyValue kv) {
    var v = kv.getValue();
    return switch (v.getValueCase()) {
      case STRING_VALUE -> v.getStringValue();
      case INT_VALUE -> Long.toString(v.getIntValue());
      case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
      case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
      default -> v.toString();
    };
  }
}
