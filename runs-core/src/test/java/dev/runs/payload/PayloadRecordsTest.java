package dev.runs.payload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.runs.EventDraft;
import dev.runs.EventPayload;
import dev.runs.EventType;
import dev.runs.EventTypes;
import dev.runs.Payload;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunState;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.StageArtifact;
import dev.runs.StageManifest;
import dev.runs.StageWrite;
import dev.runs.ValidationException;
import dev.runs.internal.PayloadRules;
import dev.runs.payload.PayloadSamples.Sample;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checks every payload record against the real append path: it round-trips through {@link Payload},
 * passes {@code PayloadRules} in a memory store, and refuses (like the store does) a payload that
 * misses a required field, has a blank name or a value of the wrong JSON kind.
 */
final class PayloadRecordsTest {
  private static RunStore store;

  @BeforeAll
  static void openStore() {
    store = RunStores.memory();
  }

  @AfterAll
  static void closeStore() {
    store.close();
  }

  static Stream<Sample> samples() {
    return PayloadSamples.all().stream();
  }

  /** Every required field path of every sample's type. */
  static Stream<Arguments> requiredFields() {
    return samples()
        .flatMap(
            s -> PayloadRules.requiredFields(s.type()).stream().map(path -> Arguments.of(s, path)));
  }

  // ---- coverage ---------------------------------------------------------------------------------

  @Test
  void everyAppendableCoreType_hasExactlyOneSample() {
    List<EventType> sampled = samples().map(Sample::type).toList();
    List<EventType> appendable =
        EventTypes.all().stream().filter(t -> !t.equals(EventTypes.RUN_CREATED)).toList();

    assertThat(sampled).containsExactlyElementsOf(appendable);
  }

  @Test
  void everyPayloadRecordInThePackage_isSampled() {
    Set<Class<?>> records =
        new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.runs.payload")
                .stream()
                .filter(c -> c.isAssignableTo(EventPayload.class))
                .map(JavaClass::reflect)
                .collect(Collectors.toSet());
    Set<Class<?>> sampled = samples().map(Sample::recordClass).collect(Collectors.toSet());

    assertThat(records).hasSize(35).isEqualTo(sampled);
    assertThat(records)
        .allSatisfy(
            c -> {
              assertThat(c.isRecord()).as(c + " is a record").isTrue();
              assertThat(Modifier.isPublic(c.getModifiers())).as(c + " is public").isTrue();
            });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void sample_minimalHasOnlyTheRequiredFields(Sample s) {
    Set<String> topLevelRequired =
        PayloadRules.requiredFields(s.type()).stream()
            .map(p -> p.contains(".") ? p.substring(0, p.indexOf('.')) : p)
            .collect(Collectors.toSet());
    Set<String> keys = new HashSet<>();
    s.minimal().toPayload().toJsonNode().fieldNames().forEachRemaining(keys::add);

    assertThat(keys).isEqualTo(topLevelRequired);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void sample_fullSetsEveryComponent(Sample s) {
    Set<String> keys = new HashSet<>();
    s.full().toPayload().toJsonNode().fieldNames().forEachRemaining(keys::add);
    Set<String> components =
        Stream.of(s.recordClass().getRecordComponents())
            .map(c -> snake(c.getName()))
            .collect(Collectors.toSet());

    assertThat(keys).isEqualTo(components);
  }

  // ---- (a) round trip ---------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void roundTrip_throughPayload_givesAnEqualRecord(Sample s) {
    for (EventPayload p : List.of(s.full(), s.minimal())) {
      Payload payload = p.toPayload();

      assertThat(payload.as(s.recordClass())).isEqualTo(p);
      assertThat(Payload.of(payload.json()).as(s.recordClass())).isEqualTo(p);
    }
  }

  // ---- (b) the real append validation -----------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void append_passesValidation_andReadsBackEqual(Sample s) {
    for (EventPayload p : List.of(s.full(), s.minimal())) {
      RunId run = PayloadSamples.newRun(store);

      List<RunEvent> written =
          store.append(run, PayloadSamples.withPrelude(PayloadSamples.draft(p)));

      RunEvent last = written.get(written.size() - 1);
      assertThat(last.type()).isEqualTo(p.type());
      List<RunEvent> stored = store.read(run, last.sequence() - 1, 10);
      assertThat(stored).hasSize(1);
      assertThat(stored.get(0).payload().as(s.recordClass())).isEqualTo(p);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void append_withoutStepOrAttempt_isRefusedWhenTheTypeNeedsThem(Sample s) {
    EventDraft bare = EventDraft.of(s.full());
    if (PayloadRules.needsStep(s.type())) {
      assertRefused(bare, "step_id");
      if (PayloadRules.needsAttempt(s.type())) {
        assertRefused(bare.withStep("build/compile"), "attempt");
      }
    } else {
      RunId run = PayloadSamples.newRun(store);
      store.append(run, PayloadSamples.withPrelude(bare));
      assertThat(store.entry(run)).isPresent();
    }
  }

  // ---- (c) missing, blank or mistyped required fields -----------------------------------------

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("requiredFields")
  void missingRequiredField_isRefusedByRecordAndAppend(Sample s, String path) {
    ObjectNode tree = s.full().toPayload().toJsonNode();
    parentOf(tree, path).remove(leaf(path));
    Payload broken = Payload.of(tree);

    assertThatThrownBy(() -> broken.as(s.recordClass()))
        .isInstanceOf(ValidationException.class)
        .satisfies(e -> assertThat(((ValidationException) e).field()).isEqualTo("payload." + path))
        .hasMessageContaining("required");
    assertRefused(PayloadSamples.draft(s.full()).withPayload(broken), "payload." + path);
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("requiredFields")
  void blankRequiredString_recordAgreesWithAppendRules(Sample s, String path) {
    ObjectNode tree = s.full().toPayload().toJsonNode();
    if (!parentOf(tree, path).path(leaf(path)).isTextual()) {
      return; // not a string field
    }
    parentOf(tree, path).put(leaf(path), "  ");
    Payload blank = Payload.of(tree);

    Throwable byRecord = catchThrowable(() -> blank.as(s.recordClass()));
    Throwable byAppend =
        catchThrowable(() -> appendToFreshRun(PayloadSamples.draft(s.full()).withPayload(blank)));

    if (byAppend == null) {
      assertThat(byRecord)
          .as("the store accepts a blank " + path + ", so must the record")
          .isNull();
    } else {
      assertThat(byAppend).isInstanceOf(ValidationException.class);
      assertThat(((ValidationException) byAppend).field()).isEqualTo("payload." + path);
      assertThat(byRecord)
          .as("the store refuses a blank " + path + ", so must the record")
          .isInstanceOf(ValidationException.class);
      assertThat(((ValidationException) byRecord).field()).endsWith(path);
    }
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("requiredFields")
  void requiredFieldOfTheWrongJsonKind_isRefusedByRecordAndAppend(Sample s, String path) {
    ObjectNode tree = s.full().toPayload().toJsonNode();
    JsonNode good = parentOf(tree, path).get(leaf(path));
    parentOf(tree, path)
        .set(
            leaf(path),
            good.isTextual()
                ? tree.numberNode(42)
                : TextNode.valueOf("not a " + good.getNodeType()));
    Payload wrong = Payload.of(tree);

    assertThatThrownBy(() -> wrong.as(s.recordClass()))
        .isInstanceOf(ValidationException.class)
        .satisfies(e -> assertThat(((ValidationException) e).field()).isEqualTo("payload." + path));
    assertRefused(PayloadSamples.draft(s.full()).withPayload(wrong), "payload." + path);
  }

  // ---- immutability -----------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void jsonAccessors_returnCopies(Sample s) throws ReflectiveOperationException {
    Payload before = s.full().toPayload();
    for (RecordComponent c : s.recordClass().getRecordComponents()) {
      Object value = c.getAccessor().invoke(s.full());
      mutate(value);
    }

    assertThat(s.full().toPayload()).isEqualTo(before);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void canonicalConstructor_copiesJsonArguments(Sample s) throws ReflectiveOperationException {
    RecordComponent[] comps = s.recordClass().getRecordComponents();
    Object[] args = new Object[comps.length];
    Class<?>[] types = new Class<?>[comps.length];
    for (int i = 0; i < comps.length; i++) {
      args[i] = comps[i].getAccessor().invoke(s.full());
      types[i] = comps[i].getType();
    }
    Constructor<? extends Record> ctor = s.recordClass().getDeclaredConstructor(types);
    Record copy;
    try {
      copy = ctor.newInstance(args);
    } catch (InvocationTargetException e) {
      throw new AssertionError(e.getCause());
    }
    for (Object arg : args) {
      mutate(arg);
    }

    assertThat(copy).isEqualTo(s.full());
  }

  // ---- hand-picked cases
  // --------------------------------------------------------------------------

  @Test
  void toolCallCompleted_withoutToolName_isRefused() {
    assertThatThrownBy(() -> ToolCallCompleted.of(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("toolName");
    assertThatThrownBy(() -> ToolCallCompleted.of(" "))
        .isInstanceOf(ValidationException.class)
        .hasMessage("tool.call.completed: tool_name: must not be blank")
        .satisfies(e -> assertThat(((ValidationException) e).field()).isEqualTo("tool_name"));
    assertThatThrownBy(() -> Payload.of("{\"result\":{}}").as(ToolCallCompleted.class))
        .isInstanceOf(ValidationException.class)
        .hasMessage("payload.tool_name: is required");
  }

  @Test
  void toolCall_completedPointsAtItsStart() {
    RunId run = PayloadSamples.newRun(store);
    RunEvent started =
        store
            .append(
                run,
                List.of(
                    EventDraft.of(EventTypes.RUN_STARTED),
                    EventDraft.of(
                        ToolCallStarted.of("web_search", PayloadSamples.json("{\"q\":\"x\"}")))))
            .get(1);

    RunEvent done =
        store.append(
            run, EventDraft.of(ToolCallCompleted.of("web_search")).withParent(started.eventId()));

    assertThat(done.parentEventId()).contains(started.eventId());
    assertThat(done.payload().json()).isEqualTo("{\"tool_name\":\"web_search\"}");
  }

  @Test
  void guardrailChecked_unknownVerdict_isRefusedNamingVerdict() {
    Payload p = Payload.of("{\"name\":\"pii\",\"stage\":\"input\",\"verdict\":\"maybe\"}");

    assertThatThrownBy(() -> p.as(GuardrailChecked.class))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("payload.verdict")
        .hasMessageContaining("passed")
        .hasMessageContaining("tripped");
    assertThatThrownBy(() -> GuardrailChecked.Verdict.fromWireName("maybe"))
        .isInstanceOf(ValidationException.class)
        .satisfies(e -> assertThat(((ValidationException) e).field()).isEqualTo("verdict"));
    assertThat(GuardrailChecked.Stage.fromWireName("output"))
        .isEqualTo(GuardrailChecked.Stage.OUTPUT);
  }

  @Test
  void guardrailChecked_writesLowercaseStageAndVerdict() {
    GuardrailChecked g =
        GuardrailChecked.of("pii", GuardrailChecked.Stage.INPUT, GuardrailChecked.Verdict.TRIPPED);

    assertThat(g.toPayload().json())
        .isEqualTo("{\"name\":\"pii\",\"stage\":\"input\",\"verdict\":\"tripped\"}");
    assertThat(g.tripped()).isTrue();
  }

  @Test
  void budgetExceeded_wallTime_isWrittenInMillisecondsAsWallTime() {
    BudgetExceeded b = BudgetExceeded.wallTime(Duration.ofMinutes(1), Duration.ofMillis(60_250));

    assertThat(b.toPayload().json())
        .isEqualTo("{\"dimension\":\"wall_time\",\"limit\":60000,\"actual\":60250}");
    assertThat(BudgetExceeded.Dimension.fromWireName("wall_time"))
        .isEqualTo(BudgetExceeded.Dimension.WALL_TIME);
  }

  @Test
  void budgetExceeded_negativeActual_isRefused() {
    assertThatThrownBy(() -> BudgetExceeded.tokens(100, -1))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("actual")
        .hasMessageContaining("negative");
    assertThatThrownBy(
            () ->
                Payload.of("{\"dimension\":\"money\",\"limit\":1,\"actual\":2}")
                    .as(BudgetExceeded.class))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("payload.dimension");
  }

  @Test
  void budgetExceeded_amountWithNegativeScale_equalsItsReadBack() {
    BudgetExceeded b = BudgetExceeded.cost(new BigDecimal("1E+2"), new BigDecimal("1.2E+2"));

    assertThat(b.toPayload().json())
        .isEqualTo("{\"dimension\":\"cost\",\"limit\":100,\"actual\":120}");
    assertThat(b.toPayload().as(BudgetExceeded.class)).isEqualTo(b);
  }

  @Test
  void jsonValues_fromAnyNodeFactory_equalTheirReadBack() {
    ObjectNode params =
        new ObjectMapper()
            .createObjectNode()
            .put("temperature", 0.2d)
            .put("seed", 7L)
            .put("top_p", 0.9f);
    ModelGenerationStarted m = ModelGenerationStarted.of("openai", "gpt", params);

    assertThat(m.toPayload().as(ModelGenerationStarted.class)).isEqualTo(m);
    assertThat(m.toPayload().json()).contains("\"temperature\":0.2", "\"seed\":7");
  }

  @Test
  void jsonNull_isTreatedAsAbsent() {
    RunCompleted c = new RunCompleted(Optional.of(NullNode.getInstance()));

    assertThat(c.summary()).isEmpty();
    assertThat(c).isEqualTo(RunCompleted.of());
    assertThat(c.toPayload().json()).isEqualTo("{}");
  }

  @Test
  void stepRetrying_nextAttemptBelowOne_isRefused() {
    assertThatThrownBy(() -> StepRetrying.of(0))
        .isInstanceOf(ValidationException.class)
        .satisfies(e -> assertThat(((ValidationException) e).field()).isEqualTo("next_attempt"));
  }

  @Test
  void artifactAndStage_fromAStoreManifest_passAppend() {
    RunId run = PayloadSamples.newRun(store);
    store.append(run, EventDraft.of(EventTypes.RUN_STARTED));
    StageManifest manifest =
        store.writeStage(
            run,
            StageWrite.of("fetch")
                .withArtifact(
                    StageArtifact.of(
                        "report.html",
                        "report",
                        "<html></html>".getBytes(StandardCharsets.UTF_8))));
    StageManifest.Entry file = manifest.file("artifacts/report.html").orElseThrow();

    List<RunEvent> events =
        store.append(
            run,
            List.of(
                EventDraft.of(ArtifactCreated.of(file)),
                EventDraft.of(StageCompleted.of(manifest))));

    assertThat(events.get(0).payload().as(ArtifactCreated.class))
        .isEqualTo(
            new ArtifactCreated("artifacts/report.html", file.sha256(), 13, Optional.of("report")));
    assertThat(events.get(1).payload().as(StageCompleted.class))
        .isEqualTo(StageCompleted.of("fetch", manifest.attempt(), manifest.sha256()));
  }

  @Test
  void modelUsageAndCost_areWhatTheRunStateAddsUp() {
    RunId run = PayloadSamples.newRun(store);
    store.append(
        run,
        List.of(
            EventDraft.of(EventTypes.RUN_STARTED),
            EventDraft.of(
                ModelGenerationCompleted.builder("openai", "m")
                    .usage(100, 20)
                    .cost(new BigDecimal("0.25"))
                    .build()),
            EventDraft.of(
                new ModelGenerationFailed(
                    "openai",
                    "m",
                    ErrorInfo.of("timeout"),
                    Optional.of(TokenUsage.of(5, 0)),
                    Optional.of(new BigDecimal("0.05")),
                    OptionalLong.empty())),
            EventDraft.of(CheckpointSaved.of("cp-1"))));

    RunState state = store.state(run);

    assertThat(state.usage().inputTokens()).isEqualTo(105);
    assertThat(state.usage().outputTokens()).isEqualTo(20);
    assertThat(state.cost()).isEqualByComparingTo("0.30");
    assertThat(state.checkpoints()).containsOnlyKeys("cp-1");
  }

  @Test
  void lifecycleRecords_driveTheRunStatus() {
    RunId run = PayloadSamples.newRun(store);
    store.append(
        run,
        List.of(
            EventDraft.of(RunQueued.of()),
            EventDraft.of(RunStarted.of("me")),
            EventDraft.of(RunCancelRequested.of("stop")),
            EventDraft.of(RunCancelled.of("stopped")),
            EventDraft.of(RunResumed.of()),
            EventDraft.of(RunInterrupted.of("lease expired")),
            EventDraft.of(RunResumed.of()),
            EventDraft.of(RunCompleted.of())));

    assertThat(store.state(run).status()).isEqualTo(RunStatus.COMPLETED);
  }

  @Test
  void errorInfo_ofThrowable_usesClassNameAsCode() {
    ErrorInfo withMessage = ErrorInfo.of(new IllegalStateException("boom"));
    ErrorInfo without = ErrorInfo.of(new IllegalStateException());

    assertThat(withMessage)
        .isEqualTo(
            new ErrorInfo(
                "boom", Optional.of("java.lang.IllegalStateException"), Optional.empty()));
    assertThat(without.message()).isEqualTo("java.lang.IllegalStateException");
    assertThat(ErrorInfo.of("boom").withCode("x").withRetryable(false).retryable()).contains(false);
    assertThat(ErrorRecorded.of(new IllegalStateException("boom")).code())
        .isEqualTo("java.lang.IllegalStateException");
  }

  @Test
  void tokenUsage_negative_isRefusedNamingTheNestedField() {
    assertThatThrownBy(() -> TokenUsage.of(-1, 0))
        .isInstanceOf(ValidationException.class)
        .satisfies(
            e -> assertThat(((ValidationException) e).field()).isEqualTo("usage.input_tokens"));
    assertThat(TokenUsage.of(3, 4).totalTokens()).isEqualTo(7);
  }

  // ---- helpers
  // ------------------------------------------------------------------------------------

  private static void assertRefused(EventDraft draft, String field) {
    assertThatThrownBy(() -> appendToFreshRun(draft))
        .isInstanceOf(ValidationException.class)
        .satisfies(e -> assertThat(((ValidationException) e).field()).isEqualTo(field));
  }

  private static void appendToFreshRun(EventDraft draft) {
    RunId run = PayloadSamples.newRun(store);
    store.append(run, PayloadSamples.withPrelude(draft));
  }

  private static ObjectNode parentOf(ObjectNode root, String path) {
    ObjectNode n = root;
    String[] parts = path.split("\\.", -1);
    for (int i = 0; i < parts.length - 1; i++) {
      n = (ObjectNode) n.get(parts[i]);
    }
    return n;
  }

  private static String leaf(String path) {
    return path.substring(path.lastIndexOf('.') + 1);
  }

  /** Changes a JSON container (directly or inside an Optional) in place. */
  private static void mutate(Object value) {
    Object v = value instanceof Optional<?> o ? o.orElse(null) : value;
    if (v instanceof ObjectNode o) {
      o.put("mutated", true);
    } else if (v instanceof ArrayNode a) {
      a.add("mutated");
    }
  }

  private static String snake(String name) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (Character.isUpperCase(c)) {
        b.append('_').append(Character.toLowerCase(c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
