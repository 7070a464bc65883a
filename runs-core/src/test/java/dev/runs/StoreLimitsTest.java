package dev.runs;

import static dev.runs.testsupport.TestRuns.startedRun;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class StoreLimitsTest {

  @Test
  void tooManyEventsInOneAppend_isRefusedWithTheLimit() {
    RunStoreOptions options =
        RunStoreOptions.builder().limits(StoreLimits.defaults().withMaxEventsPerAppend(5)).build();
    try (RunStore store = RunStores.open("memory:", options)) {
      RunId id = startedRun(store);
      List<EventDraft> six = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        six.add(EventDraft.of("x.t.e", Map.of("i", i)));
      }
      assertThatThrownBy(() -> store.append(id, six))
          .isInstanceOfSatisfying(
              LimitExceededException.class,
              e -> {
                assertThat(e.limit()).isEqualTo("maxEventsPerAppend");
                assertThat(e.actual()).isEqualTo(6);
              });
      assertThat(store.append(id, six.subList(0, 5))).hasSize(5);
    }
  }

  @Test
  void emptyAppend_andNullDraft_areRefused() {
    try (RunStore store = RunStores.memory()) {
      RunId id = startedRun(store);
      assertThatThrownBy(() -> store.append(id, List.of()))
          .isInstanceOf(ValidationException.class)
          .hasMessageContaining("at least one event");
      List<EventDraft> withNull = new ArrayList<>();
      withNull.add(null);
      assertThatThrownBy(() -> store.append(id, withNull))
          .isInstanceOf(NullPointerException.class)
          .hasMessageContaining("drafts[0]");
      assertThat(store.state(id).lastSequence()).isEqualTo(2);
    }
  }

  @Test
  void limits_validateTheirOwnRanges() {
    assertThatThrownBy(() -> StoreLimits.defaults().withMaxPayloadBytes(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> StoreLimits.defaults().withMaxJsonDepth(500))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RunStoreOptions.builder().commitLanes(0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void jsonNestedBeyondTheParserCeiling_isRefusedAtParse() {
    String deep = "[".repeat(300) + "]".repeat(300);
    assertThatThrownBy(() -> Payload.of("{\"a\":" + deep + "}"))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("payload");
    assertThatThrownBy(() -> ConfigSnapshot.parse("{\"a\":" + deep + "}"))
        .isInstanceOf(ValidationException.class);
  }

  /**
   * Runs writes numbers in plain digits and reads numbers of up to 1,000 characters: a number whose
   * plain form is longer is refused where it comes in, as a {@link ValidationException} naming the
   * field. It used to be accepted (and then could not be read back from a durable store), or to
   * escape as a {@code NumberFormatException} or an {@code UncheckedIOException}.
   */
  @Test
  void numbersWhosePlainFormPasses1000Characters_areRefusedNamingTheField() {
    for (String number :
        new String[] {"1e1000", "-1e-998", "1.5e400901234167890", "1e99999", "12345e996"}) {
      assertThatThrownBy(() -> Payload.of("{\"a\":" + number + "}"))
          .as(number)
          .isInstanceOf(ValidationException.class)
          .hasMessageContaining("payload")
          .hasMessageContaining("out of range");
      assertThatThrownBy(() -> ConfigSnapshot.parse("{\"a\":" + number + "}"))
          .as(number)
          .isInstanceOf(ValidationException.class)
          .hasMessageContaining("out of range");
    }
    BigDecimal huge = new BigDecimal("1e99999");
    assertThatThrownBy(() -> Payload.of(Map.of("a", huge)))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("payload");
    assertThatThrownBy(() -> Payload.of(Map.of("a", BigInteger.TEN.pow(1000))))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("payload");
    assertThatThrownBy(() -> ConfigSnapshot.builder().param("temperature", huge).build())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("config");

    // the longest that read back: 1,000 characters written
    for (String number : new String[] {"1e999", "-1e-997", "1234e996", "0.5e-997"}) {
      String json = Payload.of("{\"a\":" + number + "}").json();
      assertThat(json).as(number).hasSize("{\"a\":}".length() + 1000);
      assertThat(Payload.of(json).json()).isEqualTo(json);
      assertThat(ConfigSnapshot.parse(json).json()).hasSizeLessThanOrEqualTo(json.length());
      assertThat(ConfigSnapshot.parse(json).toJsonNode().get("a")).isNotNull();
    }
  }

  /**
   * A tree with a NaN or infinite double is refused like a map with one: it used to become the
   * string {@code "NaN"} in a payload, and a {@code NumberFormatException} in a config.
   */
  @Test
  void nonFiniteDoublesInATree_areRefusedNamingTheField() {
    for (double d : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
      ObjectNode tree = JsonNodeFactory.instance.objectNode().put("x", d);
      ObjectNode floats = JsonNodeFactory.instance.objectNode().put("x", (float) d);
      for (ObjectNode t : List.of(tree, floats)) {
        assertThatThrownBy(() -> Payload.of(t))
            .isInstanceOf(ValidationException.class)
            .hasMessageContaining("payload")
            .hasMessageContaining("not finite");
        assertThatThrownBy(() -> ConfigSnapshot.of(t))
            .isInstanceOf(ValidationException.class)
            .hasMessageContaining("config");
      }
      assertThatThrownBy(() -> Payload.of(Map.of("x", d))).isInstanceOf(ValidationException.class);
    }
  }

  /** The error names where in the payload or config the number is, not only the field. */
  @Test
  void aNumberThatCannotReadBack_isNamedByItsPath() {
    ObjectNode tree = JsonNodeFactory.instance.objectNode();
    tree.putArray("items").add(1).addObject().put("n", Double.POSITIVE_INFINITY);
    assertThatThrownBy(() -> Payload.of(tree))
        .isInstanceOfSatisfying(
            ValidationException.class, e -> assertThat(e.field()).isEqualTo("payload.items[1].n"));
    assertThatThrownBy(() -> ConfigSnapshot.of(tree))
        .isInstanceOfSatisfying(
            ValidationException.class, e -> assertThat(e.field()).isEqualTo("config.items[1].n"));
    assertThatThrownBy(
            () ->
                Payload.of(
                    Map.of("a", List.of(Map.of("b", BigInteger.TEN.pow(1000))), "c", "text")))
        .isInstanceOfSatisfying(
            ValidationException.class, e -> assertThat(e.field()).isEqualTo("payload.a[0].b"));
    assertThatThrownBy(() -> Payload.of("{\"a\":{\"b\":[0,1e1000]}}"))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("(at a.b[1])");
  }

  @Test
  void unpairedSurrogates_areRefusedBeforeAnythingIsStored() {
    assertThatThrownBy(() -> Payload.of("{\"text\":\"\\ud800\"}"))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("surrogate");
    assertThatThrownBy(() -> Payload.of(Map.of("text", "a\udc00b")))
        .isInstanceOf(ValidationException.class);
    assertThatThrownBy(() -> ConfigSnapshot.builder().prompt("\ud83d").build())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("config");
    assertThat(Payload.of(Map.of("text", "ok \ud83d\ude00")).text("text"))
        .contains("ok \ud83d\ude00");
  }

  @Test
  void runQuery_refusesBadNamespace_evenWithoutTheBuilder() {
    assertThatThrownBy(
            () ->
                new RunQuery(
                    java.util.Optional.of("../etc"),
                    java.util.Optional.empty(),
                    java.util.Set.of(),
                    java.util.Optional.empty(),
                    java.util.Optional.empty(),
                    10,
                    java.util.Optional.empty(),
                    java.util.Optional.empty()))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("namespace");
  }

  @Test
  void stepAndPhaseEvents_needTheirEnvelopeFields() {
    try (RunStore store = RunStores.memory()) {
      RunId id = startedRun(store);
      assertThatThrownBy(
              () -> store.append(id, EventDraft.of(EventTypes.STEP_STARTED).withAttempt(1)))
          .isInstanceOf(ValidationException.class)
          .hasMessageContaining("step_id");
      assertThatThrownBy(
              () -> store.append(id, EventDraft.of(EventTypes.STEP_STARTED).withStep("s")))
          .isInstanceOf(ValidationException.class)
          .hasMessageContaining("attempt");
      assertThatThrownBy(
              () ->
                  store.append(
                      id,
                      EventDraft.of(
                          EventTypes.GUARDRAIL_CHECKED,
                          Payload.of(
                              Map.of("name", "pii", "stage", "middle", "verdict", "passed")))))
          .isInstanceOf(ValidationException.class)
          .hasMessageContaining("payload.stage")
          .hasMessageContaining("input");
      assertThatThrownBy(
              () ->
                  store.append(
                      id,
                      EventDraft.of(
                          EventTypes.MODEL_GENERATION_COMPLETED,
                          Payload.of(
                              Map.of(
                                  "provider",
                                  "p",
                                  "model",
                                  "m",
                                  "usage",
                                  Map.of("input_tokens", -1))))))
          .isInstanceOf(ValidationException.class)
          .hasMessageContaining("usage.input_tokens");
      assertThat(store.state(id).lastSequence()).isEqualTo(2);
    }
  }
}
