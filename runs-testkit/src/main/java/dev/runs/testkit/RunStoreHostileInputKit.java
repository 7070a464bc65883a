package dev.runs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.ConfigSnapshot;
import dev.runs.EventDraft;
import dev.runs.EventType;
import dev.runs.EventTypes;
import dev.runs.LimitExceededException;
import dev.runs.Payload;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunQuery;
import dev.runs.StageWrite;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.ValidationException;
import dev.runs.WorkflowRef;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile input: strings that cannot be written as UTF-8, nesting deep enough to overflow a stack,
 * control characters meant for a log. Each is refused with a {@link ValidationException} naming the
 * field, and the store is unchanged. The contract's {@code HostileInput} group binds these tests to
 * the store under test.
 */
abstract class RunStoreHostileInputKit extends RunStoreKit {
  /** Ends of strings that hold an unpaired UTF-16 surrogate: high, low, and high at the end. */
  private static final List<String> BROKEN = List.of("\uD800", "\uDBFF", "\uDC00", "a\uD800b");

  RunStoreHostileInputKit(RunStoreContract contract) {
    super(contract);
  }

  @Test
  @DisplayName("idempotency keys with an unpaired surrogate are refused and never collide")
  void idempotencyKey_unpairedSurrogate_refused() {
    RunId id = startedRun();
    long head = store().entry(id).orElseThrow().lastSequence();
    for (String end : BROKEN) {
      EventDraft draft = line(1);
      assertThatThrownBy(() -> store().append(id, draft.withIdempotencyKey("key-" + end)))
          .isInstanceOf(ValidationException.class)
          .satisfies(e -> assertField(e, "idempotency_key"))
          .hasMessageContaining("unpaired");
    }
    assertThat(store().entry(id).orElseThrow().lastSequence()).isEqualTo(head);
    // the well-formed key of the same family still works, once
    RunEvent first = store().append(id, line(2).withIdempotencyKey("key-\uD83D\uDE00"));
    RunEvent again = store().append(id, line(3).withIdempotencyKey("key-\uD83D\uDE00"));
    assertThat(again.eventId()).isEqualTo(first.eventId());
  }

  @Test
  @DisplayName("run records with an unpaired surrogate in any string are refused before storing")
  void runRecordStrings_unpairedSurrogate_refused() {
    Map<String, Function<String, Runnable>> fields = new LinkedHashMap<>();
    fields.put(
        "trigger.trigger_id",
        s -> () -> Trigger.of(TriggerSource.TEST, "t-" + UUID.randomUUID() + s));
    fields.put("trigger.actor", s -> () -> Trigger.of(TriggerSource.TEST, "t", "actor" + s));
    fields.put("thread_key", s -> () -> recordBuilder().threadKey("thread" + s));
    fields.put("labels.team", s -> () -> recordBuilder().label("team", "core" + s).build());
    fields.put("workflow.name", s -> () -> WorkflowRef.of("flow" + s, "1"));
    fields.put("workflow.version", s -> () -> WorkflowRef.of("flow", "1" + s));
    int before = store().list(RunQuery.builder().limit(RunQuery.MAX_LIMIT).build()).runs().size();
    for (Map.Entry<String, Function<String, Runnable>> f : fields.entrySet()) {
      for (String end : BROKEN) {
        assertThatThrownBy(() -> f.getValue().apply(end).run())
            .as("%s ending %s", f.getKey(), escaped(end))
            .isInstanceOf(ValidationException.class)
            .satisfies(e -> assertField(e, f.getKey()));
      }
    }
    assertThat(store().list(RunQuery.builder().limit(RunQuery.MAX_LIMIT).build()).runs())
        .hasSize(before);
  }

  @ParameterizedTest(name = "{0} levels deep")
  @ValueSource(ints = {300, 2_000, 10_000})
  @DisplayName("payloads nested deeper than any limit are refused at every entry point")
  void deepNesting_refusedAtEveryEntryPoint(int depth) {
    RunId id = startedRun();
    long head = store().entry(id).orElseThrow().lastSequence();
    Map<String, Object> map = Map.of("leaf", 1);
    for (int i = 0; i < depth; i++) {
      map = Map.of("n", map);
    }
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    ObjectNode inner = node;
    for (int i = 0; i < depth; i++) {
      inner = inner.putObject("n");
    }
    String text = "{\"n\":".repeat(depth) + "{}" + "}".repeat(depth);
    Map<String, Object> deepMap = map;
    List<Runnable> entryPoints =
        List.of(
            () -> Payload.of(deepMap),
            () -> Payload.of((JsonNode) node),
            () -> Payload.of(text),
            () -> Payload.of(Map.of("wrapped", node)),
            () -> Payload.ofRecord(new Holder(deepMap)),
            () -> ConfigSnapshot.of(node),
            () -> ConfigSnapshot.parse(text),
            () -> EventDraft.of("x.hostile.deep", deepMap));
    for (Runnable entry : entryPoints) {
      assertThatThrownBy(entry::run)
          .isInstanceOf(LimitExceededException.class)
          .satisfies(e -> assertThat(((LimitExceededException) e).maximum()).isPositive());
    }
    assertThat(store().entry(id).orElseThrow().lastSequence()).isEqualTo(head);
  }

  @Test
  @DisplayName("a payload deeper than the store's limit but within the parser's is refused")
  void payloadOverStoreDepthLimit_refused() {
    RunId id = startedRun();
    long head = store().entry(id).orElseThrow().lastSequence();
    int depth = options().limits().maxJsonDepth() + 1;
    Map<String, Object> map = Map.of("leaf", 1);
    for (int i = 1; i < depth; i++) {
      map = Map.of("n", map);
    }
    EventDraft draft = EventDraft.of("x.hostile.deep", map);
    assertThatThrownBy(() -> store().append(id, draft)).isInstanceOf(LimitExceededException.class);
    StageWrite stage = StageWrite.of("deep").withInput(Payload.of(map));
    assertThatThrownBy(() -> store().writeStage(id, stage))
        .isInstanceOf(LimitExceededException.class);
    assertThat(store().entry(id).orElseThrow().lastSequence()).isEqualTo(head);
    assertThat(store().stages(id)).isEmpty();
  }

  /**
   * Runs writes numbers in plain digits and reads numbers of up to 1,000 characters, so a number
   * whose plain form is longer ({@code 1e1000}, a 1,001-digit integer) is refused when its payload
   * is made. {@code Payload.of("{\"n\":1e1500}")} used to be accepted and acknowledged, and the
   * durable stores then could not read the run back.
   */
  @Test
  @DisplayName("a number is refused unless it reads back: none longer than 1,000 characters")
  void longNumbers_acknowledgedOnlyWhenTheyReadBack() {
    RunId id = startedRun();
    long head = store().entry(id).orElseThrow().lastSequence();
    RunEvent fromText =
        store()
            .append(
                id,
                EventDraft.of(
                    EventType.of("x.hostile.number"), Payload.of("{\"n\":1e999,\"m\":-1e-997}")));
    RunEvent fromMap =
        store()
            .append(
                id,
                EventDraft.of(
                    "x.hostile.number",
                    Map.of("n", BigInteger.TEN.pow(999), "m", new BigDecimal("-1e-997"))));
    assertThat(fromText.payload().json()).hasSize("{\"n\":,\"m\":}".length() + 2_000);
    assertThat(store().read(id, head, 10)).containsExactly(fromText, fromMap);

    // a text names the number's place in its message (when it could be read at all), a map or a
    // tree in the field
    for (String text : List.of("{\"n\":1e1000}", "{\"n\":-1e-998}", "{\"n\":1e400901234167890}")) {
      assertThatThrownBy(() -> Payload.of(text))
          .isInstanceOf(ValidationException.class)
          .satisfies(e -> assertField(e, "payload"))
          .hasMessageContaining("out of range")
          .satisfies(
              e ->
                  assertThat(String.valueOf(e.getMessage()).contains("(at n)"))
                      .isEqualTo(!text.contains("400901234167890")));
    }
    List<Supplier<Payload>> tooLongValues =
        List.of(
            () -> Payload.of(Map.of("n", BigInteger.TEN.pow(1000))),
            () -> Payload.of(Map.of("n", new BigDecimal("1e99999"))));
    for (Supplier<Payload> payload : tooLongValues) {
      assertThatThrownBy(payload::get)
          .isInstanceOf(ValidationException.class)
          .satisfies(e -> assertField(e, "payload.n"))
          .hasMessageContaining("out of range");
    }
    assertThatThrownBy(() -> ConfigSnapshot.builder().param("t", new BigDecimal("1e1000")).build())
        .isInstanceOf(ValidationException.class)
        .satisfies(e -> assertField(e, "config.model.params.t"));
    assertThat(store().entry(id).orElseThrow().lastSequence()).isEqualTo(head + 2);
  }

  @Test
  @DisplayName("error messages show control characters of the input as escapes")
  void controlCharacters_escapedInMessages() {
    assertThatThrownBy(() -> EventType.of("x.bad\u0000type\nforged line"))
        .isInstanceOf(ValidationException.class)
        .satisfies(
            e -> {
              assertThat(e.getMessage()).doesNotContain("\u0000").doesNotContain("\n");
              assertThat(e.getMessage()).contains("\\u0000").contains("\\u000a");
            });
    RunId id = startedRun();
    assertThatThrownBy(() -> store().append(id, line(1).withStep("step\u0007bell")))
        .isInstanceOf(ValidationException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\u0007"));
    assertThatThrownBy(() -> RunId.of("ns/\u001b[31mred"))
        .isInstanceOf(ValidationException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\u001b"));
    assertThat(store().entry(id).orElseThrow().lastSequence()).isEqualTo(2);
    assertThat(EventTypes.RUN_STARTED.name()).isEqualTo("run.started");
  }

  /** A record component may carry the nesting too. */
  record Holder(Object value) {}

  private static void assertField(Throwable e, String field) {
    assertThat(((ValidationException) e).field()).isEqualTo(field);
  }

  private static String escaped(String s) {
    StringBuilder b = new StringBuilder();
    s.chars().forEach(c -> b.append(String.format("\\u%04x", c)));
    return b.toString();
  }
}
