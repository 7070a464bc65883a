package dev.runs.opentelemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import dev.runs.opentelemetry.internal.Ids;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.IdGenerator;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

final class RunTraceExporterTest {
  static final String EXPECTED_TREE =
      """
      invoke_workflow research [0s..18s]
        * run.started @1s
        step plan [2s..12s]
          invoke_agent planner [3s..8s]
            chat gpt-4o [4s..5s]
            execute_tool search [6s..7s]
          invoke_agent writer [8s..12s] link->invoke_agent planner
            * checkpoint.saved @10s
            * console.line @11s
            apply_guardrail pii [9s..9s]
              * guardrail.checked @9s
        step write [13s..14s] ERROR
        step write [15s..17s]
          * x.acme.note @16s
      """;

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private final SdkTracerProvider provider =
      SdkTracerProvider.builder()
          .setIdGenerator(RunSpanIds.withFallback(IdGenerator.random()))
          .addSpanProcessor(SimpleSpanProcessor.create(spans))
          .build();
  private final OpenTelemetrySdk otel =
      OpenTelemetrySdk.builder().setTracerProvider(provider).build();
  private final DemoLog log = new DemoLog();

  @AfterEach
  void close() {
    otel.close();
    log.store.close();
  }

  private RunTraceExporter.Builder exporter() {
    return RunTraceExporter.builder(log.store, otel).semconvStabilityOptIn("");
  }

  private SpanData span(String name) {
    return spans.getFinishedSpanItems().stream()
        .filter(s -> s.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no span " + name));
  }

  @Test
  void export_demoRun_buildsTheExactSpanTreeWithEventTimes() {
    RunId id = log.write(null);
    assertThat(exporter().build().export(id)).isEqualTo(19);
    assertThat(SpanTrees.render(spans.getFinishedSpanItems(), DemoLog.T0)).isEqualTo(EXPECTED_TREE);
  }

  @Test
  void export_attributes_followTheGenAiConventions_andTokensOnlyOnModelSpans() {
    RunId id = log.write(null);
    exporter().build().export(id);

    SpanData root = span("invoke_workflow research");
    assertThat(root.getKind()).isEqualTo(SpanKind.INTERNAL);
    Attributes ra = root.getAttributes();
    assertThat(ra.get(AttributeKey.stringKey("gen_ai.operation.name")))
        .isEqualTo("invoke_workflow");
    assertThat(ra.get(AttributeKey.stringKey("runs.run.id"))).isEqualTo(id.value());
    assertThat(ra.get(AttributeKey.stringKey("runs.workflow"))).isEqualTo("research");
    assertThat(ra.get(AttributeKey.stringKey("runs.workflow.version"))).isEqualTo("2");
    assertThat(ra.get(AttributeKey.stringKey("runs.config.sha256"))).hasSize(64);
    assertThat(ra.get(AttributeKey.stringKey("runs.trigger.source"))).isEqualTo("test");
    assertThat(ra.get(AttributeKey.stringKey("gen_ai.conversation.id"))).isEqualTo("chat-7");
    assertThat(ra.get(AttributeKey.longKey("runs.sequence.first"))).isEqualTo(1);
    assertThat(ra.get(AttributeKey.longKey("runs.sequence.last"))).isEqualTo(19);
    assertThat(ra.get(AttributeKey.stringKey("runs.status"))).isEqualTo("completed");

    SpanData chat = span("chat gpt-4o");
    assertThat(chat.getKind()).isEqualTo(SpanKind.CLIENT);
    assertThat(chat.getAttributes().asMap())
        .containsEntry(AttributeKey.stringKey("gen_ai.operation.name"), "chat")
        .containsEntry(AttributeKey.stringKey("gen_ai.system"), "openai")
        .containsEntry(AttributeKey.stringKey("gen_ai.request.model"), "gpt-4o")
        .containsEntry(AttributeKey.stringKey("gen_ai.response.model"), "gpt-4o-2024-08-06")
        .containsEntry(AttributeKey.doubleKey("gen_ai.request.temperature"), 0.2)
        .containsEntry(AttributeKey.longKey("gen_ai.usage.input_tokens"), 100L)
        .containsEntry(AttributeKey.longKey("gen_ai.usage.output_tokens"), 20L)
        .containsEntry(
            AttributeKey.stringArrayKey("gen_ai.response.finish_reasons"), List.of("stop"))
        .doesNotContainKey(AttributeKey.stringKey("gen_ai.provider.name"))
        .doesNotContainKey(AttributeKey.stringKey("gen_ai.input.messages"))
        .doesNotContainKey(AttributeKey.stringKey("gen_ai.output.messages"));
    assertThat(ra.get(AttributeKey.stringKey("gen_ai.input.messages")))
        .as("the prompt is content: not without the opt-in")
        .isNull();
    for (SpanData s : spans.getFinishedSpanItems()) {
      if (!s.getName().startsWith("chat ")) {
        assertThat(s.getAttributes().get(AttributeKey.longKey("gen_ai.usage.input_tokens")))
            .as(s.getName())
            .isNull();
      }
    }

    SpanData tool = span("execute_tool search");
    assertThat(tool.getAttributes().get(AttributeKey.stringKey("gen_ai.tool.name")))
        .isEqualTo("search");
    assertThat(tool.getAttributes().get(AttributeKey.stringKey("gen_ai.tool.call.id")))
        .isEqualTo(log.store.read(id, 6, 1).get(0).eventId().value());
    assertThat(tool.getAttributes().get(AttributeKey.stringKey("runs.tool.arguments"))).isNull();

    SpanData writer = span("invoke_agent writer");
    assertThat(writer.getAttributes().get(AttributeKey.stringKey("gen_ai.agent.name")))
        .isEqualTo("writer");
    assertThat(writer.getAttributes().get(AttributeKey.stringKey("runs.handoff.from")))
        .isEqualTo("planner");
    assertThat(writer.getLinks())
        .singleElement()
        .satisfies(
            l ->
                assertThat(l.getSpanContext().getSpanId())
                    .isEqualTo(span("invoke_agent planner").getSpanId()));

    SpanData failed =
        spans.getFinishedSpanItems().stream()
            .filter(s -> s.getName().equals("step write"))
            .filter(s -> s.getAttributes().get(AttributeKey.longKey("runs.step.attempt")) == 1)
            .findFirst()
            .orElseThrow();
    assertThat(failed.getAttributes().get(AttributeKey.stringKey("error.type"))).isEqualTo("boom");
    assertThat(failed.getStatus().getDescription()).isEqualTo("no");

    SpanData guard = span("apply_guardrail pii");
    assertThat(guard.getAttributes().get(AttributeKey.stringKey("runs.guardrail.verdict")))
        .isEqualTo("passed");
    assertThat(guard.getAttributes().get(AttributeKey.stringKey("gen_ai.operation.name")))
        .isEqualTo("apply_guardrail");
  }

  @Test
  void export_operationName_isSetWhenTheSpanStarts_soSamplersSeeIt() {
    RunId id = log.write(null);
    Map<String, String> atStart = new java.util.concurrent.ConcurrentHashMap<>();
    SdkTracerProvider sampling =
        SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(InMemorySpanExporter.create()))
            .setSampler(
                new io.opentelemetry.sdk.trace.samplers.Sampler() {
                  @Override
                  public io.opentelemetry.sdk.trace.samplers.SamplingResult shouldSample(
                      io.opentelemetry.context.Context parent,
                      String traceId,
                      String name,
                      SpanKind kind,
                      Attributes attributes,
                      List<io.opentelemetry.sdk.trace.data.LinkData> links) {
                    String op = attributes.get(AttributeKey.stringKey("gen_ai.operation.name"));
                    atStart.put(name, op == null ? "-" : op);
                    return io.opentelemetry.sdk.trace.samplers.SamplingResult.recordAndSample();
                  }

                  @Override
                  public String getDescription() {
                    return "records";
                  }
                })
            .build();
    try (OpenTelemetrySdk o = OpenTelemetrySdk.builder().setTracerProvider(sampling).build()) {
      RunTraceExporter.builder(log.store, o).build().export(id);
    }
    assertThat(atStart)
        .containsEntry("invoke_workflow research", "invoke_workflow")
        .containsEntry("chat gpt-4o", "chat")
        .containsEntry("execute_tool search", "execute_tool")
        .containsEntry("invoke_agent writer", "invoke_agent")
        .containsEntry("apply_guardrail pii", "apply_guardrail");
  }

  @Test
  void export_twice_givesTheSameIdsDerivedFromRunAndEventIds() {
    RunId id = log.write(null);
    RunTraceExporter exporter = exporter().build();
    exporter.export(id);
    List<String> first = ids(spans.getFinishedSpanItems());
    spans.reset();
    exporter.export(id);
    assertThat(ids(spans.getFinishedSpanItems())).isEqualTo(first);

    List<RunEvent> events = log.store.read(id, 0, 100);
    SpanData root = span("invoke_workflow research");
    assertThat(root.getTraceId()).isEqualTo(Ids.traceId(id));
    assertThat(root.getSpanId()).isEqualTo(Ids.spanId(events.get(0).eventId()));
    assertThat(root.getParentSpanContext().isValid()).isFalse();
    assertThat(span("chat gpt-4o").getSpanId()).isEqualTo(Ids.spanId(events.get(4).eventId()));
  }

  private static List<String> ids(List<SpanData> spans) {
    return spans.stream()
        .map(
            s ->
                s.getName()
                    + " "
                    + s.getTraceId()
                    + "/"
                    + s.getSpanId()
                    + "<"
                    + s.getParentSpanId())
        .sorted()
        .collect(Collectors.toList());
  }

  @Test
  void export_runStartedUnderATraceparent_isParentedThere() {
    String parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    RunId id = log.write(parent);
    exporter().build().export(id);
    SpanData root = span("invoke_workflow research");
    assertThat(root.getTraceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(root.getParentSpanId()).isEqualTo("00f067aa0ba902b7");
    assertThat(root.getParentSpanContext().isRemote()).isTrue();
    assertThat(spans.getFinishedSpanItems())
        .allSatisfy(s -> assertThat(s.getTraceId()).isEqualTo(root.getTraceId()));
  }

  @Test
  void export_contentOptIn_addsContentAfterTheRedactor() throws Exception {
    RunId id = log.write(null);
    exporter().captureContent(true).build().export(id);
    String args =
        span("execute_tool search")
            .getAttributes()
            .get(AttributeKey.stringKey("runs.tool.arguments"));
    assertThat(args)
        .contains("\"query\":\"otel\"")
        .contains("[REDACTED]")
        .doesNotContain("sk-live");
    assertThat(
            span("execute_tool search")
                .getAttributes()
                .get(AttributeKey.stringKey("runs.tool.result")))
        .isEqualTo("{\"hits\":3}");
    assertThat(
            span("chat gpt-4o")
                .getAttributes()
                .get(AttributeKey.stringKey("gen_ai.output.messages")))
        .isEqualTo("{\"text\":\"search the web\"}");
    String messages =
        span("chat gpt-4o").getAttributes().get(AttributeKey.stringKey("gen_ai.input.messages"));
    com.fasterxml.jackson.databind.ObjectMapper json =
        new com.fasterxml.jackson.databind.ObjectMapper();
    assertThat(json.readTree(messages))
        .as("the model call's params.messages, as stored")
        .isEqualTo(json.readTree("[{\"role\":\"user\",\"content\":\"find otel docs\"}]"));
  }

  @Test
  void export_contentOptIn_addsTheRunsPromptToTheRootSpan_afterTheRedactor() {
    RunId id = log.write(null);
    exporter().build().export(id);
    assertThat(
            span("invoke_workflow research")
                .getAttributes()
                .get(AttributeKey.stringKey("gen_ai.input.messages")))
        .as("not without the opt-in")
        .isNull();
    spans.reset();

    exporter().captureContent(true).build().export(id);
    String prompt =
        span("invoke_workflow research")
            .getAttributes()
            .get(AttributeKey.stringKey("gen_ai.input.messages"));
    assertThat(prompt)
        .startsWith("[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"")
        .contains("Research OpenTelemetry; use key [REDACTED]")
        .doesNotContain("sk-live");
  }

  @Test
  void export_latestConventionsOptIn_namesTheProviderWithGenAiProviderName() {
    RunId id = log.write(null);
    RunTraceExporter.builder(log.store, otel)
        .semconvStabilityOptIn("http, gen_ai_latest_experimental")
        .build()
        .export(id);
    assertThat(span("chat gpt-4o").getAttributes().asMap())
        .containsEntry(AttributeKey.stringKey("gen_ai.provider.name"), "openai")
        .doesNotContainKey(AttributeKey.stringKey("gen_ai.system"));
  }

  @Test
  void export_errorEvent_isASpanEventOnItsStep_withTheErrorTypeAndMessage() {
    RunId id = log.create(null);
    log.append(id, EventDraft.of(EventTypes.RUN_STARTED));
    log.append(id, DemoLog.draft(EventTypes.STEP_STARTED, "fetch", Map.of()).withAttempt(1));
    log.append(
        id,
        DemoLog.draft(
                EventTypes.ERROR, "fetch", Map.of("code", "rate_limited", "message", "slow down"))
            .withAttempt(1));
    log.append(id, DemoLog.draft(EventTypes.STEP_COMPLETED, "fetch", Map.of()).withAttempt(1));
    log.append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
    exporter().build().export(id);

    SpanData step = span("step fetch");
    assertThat(step.getEvents())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getName()).isEqualTo("error");
              assertThat(e.getEpochNanos())
                  .isEqualTo(
                      java.util.concurrent.TimeUnit.SECONDS.toNanos(DemoLog.t(3).getEpochSecond()));
              assertThat(e.getAttributes().asMap())
                  .containsEntry(AttributeKey.stringKey("error.type"), "rate_limited")
                  .containsEntry(AttributeKey.stringKey("runs.error.message"), "slow down")
                  .containsEntry(AttributeKey.longKey("runs.sequence"), 4L)
                  .containsEntry(AttributeKey.stringKey("runs.step.id"), "fetch");
            });
    assertThat(step.getStatus().getStatusCode())
        .as("an error event alone does not fail its step")
        .isEqualTo(io.opentelemetry.api.trace.StatusCode.UNSET);
  }

  @Test
  void export_consoleTextAndCustomPayloads_onlyWithTheContentOptIn() {
    RunId id = log.write(null);
    exporter().build().export(id);
    assertThat(eventAttributes("step plan", "console.line"))
        .containsEntry(AttributeKey.stringKey("runs.console.stream"), "stdout")
        .doesNotContainKey(AttributeKey.stringKey("runs.console.text"));
    assertThat(eventAttributes("step write", "x.acme.note"))
        .doesNotContainKey(AttributeKey.stringKey("runs.payload"));
    spans.reset();

    exporter().captureContent(true).build().export(id);
    assertThat(eventAttributes("step plan", "console.line"))
        .containsEntry(AttributeKey.stringKey("runs.console.text"), "hello");
    assertThat(eventAttributes("step write", "x.acme.note"))
        .containsEntry(AttributeKey.stringKey("runs.payload"), "{\"note\":\"n\"}");
  }

  /** The attributes of a span event, on whichever span of that name carries it. */
  private Map<AttributeKey<?>, Object> eventAttributes(String spanPrefix, String event) {
    return spans.getFinishedSpanItems().stream()
        .filter(s -> s.getName().startsWith(spanPrefix) || s.getName().startsWith("invoke_agent"))
        .flatMap(s -> s.getEvents().stream())
        .filter(e -> e.getName().equals(event))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no span event " + event))
        .getAttributes()
        .asMap();
  }

  @Test
  void docs_renderTheSpanTreeTheTestsAssert() throws java.io.IOException {
    java.nio.file.Path p = java.nio.file.Path.of("").toAbsolutePath();
    while (!java.nio.file.Files.exists(p.resolve("docs/opentelemetry.md"))) {
      p = p.getParent();
      assertThat(p).as("docs/opentelemetry.md above the module").isNotNull();
    }
    String docs = java.nio.file.Files.readString(p.resolve("docs/opentelemetry.md"));
    assertThat(docs)
        .as("docs/opentelemetry.md's rendered span tree is the one this test class asserts")
        .contains("```text\n" + EXPECTED_TREE + "```");
  }

  @Test
  void export_unknownRun_throwsNotFound_andExportsNothing() {
    assertThatThrownBy(() -> exporter().build().export(RunId.of("nope")))
        .isInstanceOf(RunNotFoundException.class)
        .hasMessageContaining("nope");
    assertThat(spans.getFinishedSpanItems()).isEmpty();
  }

  @Test
  void builder_badSettings_failFast() {
    assertThatThrownBy(() -> exporter().queueCapacity(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("queueCapacity");
    assertThatThrownBy(() -> exporter().maxLiveRuns(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxLiveRuns");
  }

  @Test
  void live_exportsSpansAsEndEventsCommit_andTheSameTreeAsAfterTheFact() throws Exception {
    try (RunTraceExporter exporter = exporter().build().startLive()) {
      RunId id = log.create(null);
      log.append(id, EventDraft.of(EventTypes.RUN_STARTED));
      log.append(id, DemoLog.draft(EventTypes.STEP_STARTED, "plan", Map.of()).withAttempt(1));
      log.append(id, DemoLog.draft(EventTypes.STEP_COMPLETED, "plan", Map.of()).withAttempt(1));
      await(() -> spans.getFinishedSpanItems().size() == 1);
      assertThat(spans.getFinishedSpanItems().get(0).getName())
          .as("a finished step is visible while the run goes on")
          .isEqualTo("step plan");
      log.append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
      await(() -> spans.getFinishedSpanItems().size() == 2);
      List<String> live = ids(spans.getFinishedSpanItems());
      spans.reset();
      exporter.export(id);
      assertThat(ids(spans.getFinishedSpanItems())).isEqualTo(live);
      assertThat(exporter.droppedEvents()).isZero();
    }
  }

  @Test
  void live_stalledExporter_neverBlocksAppends_countsDrops_andCatchesUpFromTheStore()
      throws Exception {
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    InMemorySpanExporter slowSpans = InMemorySpanExporter.create();
    SdkTracerProvider slow =
        SdkTracerProvider.builder()
            .setIdGenerator(RunSpanIds.withFallback(IdGenerator.random()))
            .addSpanProcessor(
                new io.opentelemetry.sdk.trace.SpanProcessor() {
                  @Override
                  public void onStart(
                      io.opentelemetry.context.Context c,
                      io.opentelemetry.sdk.trace.ReadWriteSpan span) {
                    try {
                      release.await();
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  }

                  @Override
                  public boolean isStartRequired() {
                    return true;
                  }

                  @Override
                  public void onEnd(io.opentelemetry.sdk.trace.ReadableSpan span) {
                    slowSpans.export(List.of(span.toSpanData()));
                  }

                  @Override
                  public boolean isEndRequired() {
                    return true;
                  }
                })
            .build();
    try (OpenTelemetrySdk o = OpenTelemetrySdk.builder().setTracerProvider(slow).build();
        RunTraceExporter exporter =
            RunTraceExporter.builder(log.store, o).queueCapacity(2).build().startLive()) {
      long began = System.nanoTime();
      RunId id = log.write(null);
      assertThat(Duration.ofNanos(System.nanoTime() - began))
          .as("appends never wait for the stalled exporter")
          .isLessThan(Duration.ofSeconds(10));
      assertThat(exporter.droppedEvents()).isPositive();
      release.countDown();
      await(
          () ->
              slowSpans.getFinishedSpanItems().stream()
                  .anyMatch(
                      s ->
                          s.getName().equals("invoke_workflow research")
                              && s.getAttributes()
                                  .get(AttributeKey.stringKey("runs.run.id"))
                                  .equals(id.value())));
      assertThat(
              SpanTrees.render(
                  slowSpans.getFinishedSpanItems().stream()
                      .filter(
                          s ->
                              id.value()
                                  .equals(
                                      s.getAttributes().get(AttributeKey.stringKey("runs.run.id"))))
                      .collect(Collectors.toList()),
                  DemoLog.T0))
          .isEqualTo(EXPECTED_TREE);
    }
  }

  @Test
  void live_failingSpanProcessor_neverFailsAppends_norLeavesSpansOpen() throws Exception {
    List<SpanData> ended = new java.util.concurrent.CopyOnWriteArrayList<>();
    SdkTracerProvider failing =
        SdkTracerProvider.builder()
            .setIdGenerator(RunSpanIds.withFallback(IdGenerator.random()))
            .addSpanProcessor(
                new io.opentelemetry.sdk.trace.SpanProcessor() {
                  @Override
                  public void onStart(
                      io.opentelemetry.context.Context c,
                      io.opentelemetry.sdk.trace.ReadWriteSpan span) {}

                  @Override
                  public boolean isStartRequired() {
                    return false;
                  }

                  @Override
                  public void onEnd(io.opentelemetry.sdk.trace.ReadableSpan span) {
                    ended.add(span.toSpanData());
                    throw new IllegalStateException("exporter down");
                  }

                  @Override
                  public boolean isEndRequired() {
                    return true;
                  }
                })
            .build();
    try (OpenTelemetrySdk o = OpenTelemetrySdk.builder().setTracerProvider(failing).build();
        RunTraceExporter exporter = RunTraceExporter.builder(log.store, o).build().startLive()) {
      List<RunId> ids = List.of(log.write(null), log.write(null));
      assertThat(log.store.read(ids.get(1), 0, 100)).as("every append succeeded").hasSize(19);
      await(() -> exporter.liveEvents() == 38);
      assertThat(exporter.droppedEvents()).isZero();
      for (RunId id : ids) {
        List<SpanData> run =
            ended.stream()
                .filter(
                    s ->
                        id.value()
                            .equals(s.getAttributes().get(AttributeKey.stringKey("runs.run.id"))))
                .collect(Collectors.toList());
        assertThat(run)
            .as("each run's spans all ended, though every span's end threw")
            .hasSize(9)
            .anySatisfy(s -> assertThat(s.getName()).isEqualTo("invoke_workflow research"));
        if (id.equals(ids.get(0))) {
          assertThat(SpanTrees.render(run, DemoLog.T0)).isEqualTo(EXPECTED_TREE);
        }
      }
    }
  }

  private static void await(java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 20 s");
      }
      Thread.sleep(5);
    }
  }
}
