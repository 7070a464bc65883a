package dev.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.runs.internal.PayloadRules;
import dev.runs.payload.ConsoleLine;
import dev.runs.payload.PayloadSamples;
import dev.runs.payload.PayloadSamples.Sample;
import dev.runs.payload.ToolCallCompleted;
import dev.runs.payload.ToolCallStarted;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Validates events encoded by {@link EventCodec} against the shipped JSON Schema ({@value
 * EventCodec#SCHEMA_RESOURCE}), and checks that the schema refuses broken envelopes and core
 * payloads that {@code PayloadRules} would refuse.
 */
final class EventSchemaTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static Schema schema;
  private static RunStore store;

  @BeforeAll
  static void load() throws IOException {
    try (InputStream in = EventCodec.class.getResourceAsStream(EventCodec.SCHEMA_RESOURCE)) {
      assertThat(in).as(EventCodec.SCHEMA_RESOURCE + " on the class path").isNotNull();
      schema =
          SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
              .getSchema(in, InputFormat.JSON);
    }
    store = RunStores.memory();
  }

  @AfterAll
  static void close() {
    store.close();
  }

  static Stream<Sample> samples() {
    return PayloadSamples.all().stream();
  }

  static Stream<Arguments> requiredFields() {
    return samples()
        .flatMap(
            s -> PayloadRules.requiredFields(s.type()).stream().map(path -> Arguments.of(s, path)));
  }

  // ---- real events validate ---------------------------------------------------------------------

  @Test
  void schema_declaresDraft202012() throws IOException {
    try (InputStream in = EventCodec.class.getResourceAsStream(EventCodec.SCHEMA_RESOURCE)) {
      assertThat(JSON.readTree(in).path("$schema").asText())
          .isEqualTo("https://json-schema.org/draft/2020-12/schema");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void everyEventOfARealRun_validates(Sample s) {
    for (var p : List.of(s.full(), s.minimal())) {
      RunId run = PayloadSamples.newRun(store);
      store.append(run, PayloadSamples.withPrelude(PayloadSamples.draft(p)));

      for (RunEvent e : store.read(run, 0, 100)) {
        assertValid(EventCodec.encode(e));
      }
    }
  }

  @Test
  void eventsWithEveryOptionalEnvelopeField_validate() {
    RunRecord record =
        RunRecord.builder(
                WorkflowRef.of("etl", "2.1"),
                ConfigSnapshot.empty(),
                Trigger.of(TriggerSource.API, "req-" + UUID.randomUUID(), "svc"))
            .namespace("acme/etl")
            .build();
    RunId run = store.create(record).record().id();
    List<RunEvent> events =
        store.append(
            run,
            List.of(
                EventDraft.of(EventTypes.RUN_STARTED).withSource("orchestrator"),
                EventDraft.of(ToolCallStarted.of("search"))
                    .withStep("plan/search:1@v2")
                    .withAttempt(3)
                    .withIdempotencyKey("call 1 \u00e9\u4e2d")));
    RunEvent done =
        store.append(
            run,
            EventDraft.of(ToolCallCompleted.of("search"))
                .withParent(events.get(1).eventId())
                .withSource("engine"));
    RunEvent custom = store.append(run, EventDraft.of("x.acme.score", Map.of("value", 0.93)));

    assertThat(run.value()).startsWith("acme/etl/");
    for (RunEvent e : List.of(events.get(0), events.get(1), done, custom)) {
      assertValid(EventCodec.encode(e));
    }
    assertThat(EventCodec.encode(events.get(1)))
        .contains("\"step_id\":\"plan/search:1@v2\"", "\"attempt\":3", "\"idempotency_key\"");
  }

  @Test
  void unknownTopLevelFields_areAllowed() {
    String line = realLine();
    String withExtra = edit(line, o -> o.putObject("trace").put("span_id", "abc"));

    assertValid(withExtra);
    assertThat(EventCodec.encode(EventCodec.decode(withExtra)))
        .contains("\"trace\":{\"span_id\":\"abc\"}");
  }

  @Test
  void aTypeThisVersionDoesNotKnow_validates() {
    assertValid(edit(realLine(), o -> o.put("type", "model.embedding.completed")));
  }

  // ---- broken envelopes fail --------------------------------------------------------------------

  @Test
  void missingRunId_fails() {
    String broken = edit(realLine(), o -> o.remove("run_id"));

    assertInvalid(broken, "run_id");
    assertThatThrownBy(() -> EventCodec.decode(broken))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("run_id");
  }

  @Test
  void sequenceZero_fails() {
    String broken = edit(realLine(), o -> o.put("sequence", 0));

    assertInvalid(broken, "sequence");
    assertThatThrownBy(() -> EventCodec.decode(broken))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("sequence");
  }

  @Test
  void uppercaseType_fails() {
    String broken = edit(realLine(), o -> o.put("type", "Console.Line"));

    assertInvalid(broken, "type");
    assertThatThrownBy(() -> EventCodec.decode(broken))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("type");
  }

  @Test
  void timeWithoutMicroseconds_fails() {
    assertInvalid(edit(realLine(), o -> o.put("time", "2026-03-01T10:15:30Z")), "time");
    assertInvalid(edit(realLine(), o -> o.put("time", "2026-03-01T10:15:30.123Z")), "time");
    assertInvalid(edit(realLine(), o -> o.put("time", "2026-03-01T10:15:30.123456+01:00")), "time");
  }

  @Test
  void otherBrokenEnvelopes_fail() {
    String line = realLine();

    assertInvalid(edit(line, o -> o.put("schema", "runs.event/2")), "schema");
    assertInvalid(edit(line, o -> o.put("event_id", "not-a-uuid")), "event_id");
    assertInvalid(edit(line, o -> o.put("run_id", "Acme/1")), "run_id");
    assertInvalid(edit(line, o -> o.put("run_id", "a/b/c/d/e/f/g/h/i")), "run_id");
    assertInvalid(edit(line, o -> o.put("sequence", "1")), "sequence");
    assertInvalid(edit(line, o -> o.put("type", "a.b.c.d.e.f.g.h.i")), "type");
    assertInvalid(edit(line, o -> o.put("type", "console..line")), "type");
    assertInvalid(edit(line, o -> o.put("attempt", 0)), "attempt");
    assertInvalid(edit(line, o -> o.put("step_id", "/leading")), "step_id");
    assertInvalid(edit(line, o -> o.put("source", "Host")), "source");
    assertInvalid(edit(line, o -> o.put("idempotency_key", "")), "idempotency_key");
    assertInvalid(edit(line, o -> o.put("payload", "text")), "payload");
    assertInvalid(edit(line, o -> o.remove("payload")), "payload");
  }

  // ---- payload rules of core types --------------------------------------------------------------

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("requiredFields")
  void missingRequiredPayloadField_fails(Sample s, String path) {
    String line = appendedLine(s);
    String broken =
        edit(
            line,
            o -> {
              ObjectNode parent = (ObjectNode) o.get("payload");
              String[] parts = path.split("\\.", -1);
              for (int i = 0; i < parts.length - 1; i++) {
                parent = (ObjectNode) parent.get(parts[i]);
              }
              parent.remove(parts[parts.length - 1]);
            });

    assertValid(line);
    assertInvalid(broken, path.substring(path.lastIndexOf('.') + 1));
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("requiredFields")
  void blankRequiredString_schemaAgreesWithAppendRules(Sample s, String path) {
    String line = appendedLine(s);
    ObjectNode tree = parse(line);
    ObjectNode parent = (ObjectNode) tree.get("payload");
    String[] parts = path.split("\\.", -1);
    for (int i = 0; i < parts.length - 1; i++) {
      parent = (ObjectNode) parent.get(parts[i]);
    }
    String leaf = parts[parts.length - 1];
    if (!parent.path(leaf).isTextual()) {
      return;
    }
    parent.put(leaf, " ");
    String blank = write(tree);
    Payload blankPayload = Payload.of(tree.get("payload"));

    Throwable byAppend =
        catchThrowable(
            () -> {
              RunId run = PayloadSamples.newRun(store);
              store.append(
                  run,
                  PayloadSamples.withPrelude(
                      PayloadSamples.draft(s.full()).withPayload(blankPayload)));
            });

    if (byAppend == null) {
      assertValid(blank);
    } else {
      assertThat(byAppend).isInstanceOf(ValidationException.class);
      assertInvalid(blank, leaf);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void missingStepOrAttempt_failsWhereTheTypeNeedsThem(Sample s) {
    String line = appendedLine(s);
    String noStep = edit(line, o -> o.remove("step_id"));
    String noAttempt = edit(line, o -> o.remove("attempt"));

    if (PayloadRules.needsStep(s.type())) {
      assertInvalid(noStep, "step_id");
    } else {
      assertValid(noStep);
    }
    if (PayloadRules.needsAttempt(s.type())) {
      assertInvalid(noAttempt, "attempt");
    } else {
      assertValid(noAttempt);
    }
  }

  @Test
  void guardrailVerdictAndBudgetDimension_areEnumerated() {
    RunId run = PayloadSamples.newRun(store);
    List<RunEvent> events =
        store.append(
            run,
            List.of(
                EventDraft.of(EventTypes.RUN_STARTED),
                EventDraft.of(
                    PayloadSamples.all().stream()
                        .filter(s -> s.type().equals(EventTypes.GUARDRAIL_CHECKED))
                        .findFirst()
                        .orElseThrow()
                        .full())));
    String line = EventCodec.encode(events.get(1));

    assertValid(line);
    assertInvalid(
        edit(line, o -> ((ObjectNode) o.get("payload")).put("verdict", "maybe")), "verdict");
    assertInvalid(edit(line, o -> ((ObjectNode) o.get("payload")).put("stage", "middle")), "stage");
  }

  @Test
  void negativeUsageOrCost_failsForModelTypes() {
    String line =
        appendedLine(
            PayloadSamples.all().stream()
                .filter(s -> s.type().equals(EventTypes.MODEL_GENERATION_COMPLETED))
                .findFirst()
                .orElseThrow());

    assertInvalid(edit(line, o -> ((ObjectNode) o.get("payload")).put("cost", -1)), "cost");
    assertInvalid(
        edit(line, o -> ((ObjectNode) o.get("payload").get("usage")).put("input_tokens", -5)),
        "input_tokens");
    assertInvalid(
        edit(line, o -> ((ObjectNode) o.get("payload").get("usage")).put("output_tokens", 1.5)),
        "output_tokens");
  }

  // ---- helpers
  // ------------------------------------------------------------------------------------

  private static void assertValid(String line) {
    List<Error> errors = schema.validate(line, InputFormat.JSON);
    assertThat(errors).as("schema errors for %s", line).isEmpty();
  }

  private static void assertInvalid(String line, String mentioned) {
    List<Error> errors = schema.validate(line, InputFormat.JSON);
    assertThat(errors).as("schema errors for %s", line).isNotEmpty();
    List<String> messages = new ArrayList<>();
    for (Error e : errors) {
      messages.add(e.toString());
    }
    assertThat(String.join("\n", messages)).as("errors name the field").contains(mentioned);
  }

  /** A real console.line event of a fresh run, encoded. */
  private static String realLine() {
    RunId run = PayloadSamples.newRun(store);
    List<RunEvent> events =
        store.append(
            run,
            List.of(
                EventDraft.of(EventTypes.RUN_STARTED),
                EventDraft.of(ConsoleLine.stdout("hello")).withStep("build").withAttempt(1)));
    return EventCodec.encode(events.get(1));
  }

  /** The sample's full payload appended to a fresh run, encoded. */
  private static String appendedLine(Sample s) {
    RunId run = PayloadSamples.newRun(store);
    List<RunEvent> events =
        store.append(run, PayloadSamples.withPrelude(PayloadSamples.draft(s.full())));
    return EventCodec.encode(events.get(events.size() - 1));
  }

  private static String edit(String line, Consumer<ObjectNode> change) {
    ObjectNode tree = parse(line);
    change.accept(tree);
    return write(tree);
  }

  private static ObjectNode parse(String line) {
    try {
      return (ObjectNode) JSON.readTree(line);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String write(ObjectNode tree) {
    try {
      return JSON.writeValueAsString(tree);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
