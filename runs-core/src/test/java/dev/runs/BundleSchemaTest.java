package dev.runs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.runs.payload.StageCompleted;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks the lines of a real bundle, exported by {@link RunBundles} from a memory store with
 * lineage, a recommendation link and stage files, against the shipped {@code runs.bundle/1} JSON
 * Schema ({@value #RESOURCE}): the header and every stage_file line validate, every event line
 * validates against the event schema and not against the bundle schema, and the schema names every
 * field export writes, so the two cannot drift apart silently.
 */
final class BundleSchemaTest {
  static final String RESOURCE = "/dev/runs/schema/runs-bundle-1.schema.json";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static JsonNode schemaTree;
  private static Schema bundleSchema;
  private static Schema eventSchema;
  private static RunStore store;
  private static List<String> lines;

  /** The lines of the same run's directory form ({@code bundle.ndjson}). */
  private static List<String> dirLines;

  @BeforeAll
  static void load() throws IOException {
    SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    try (InputStream in = BundleSchemaTest.class.getResourceAsStream(RESOURCE)) {
      assertThat(in).as(RESOURCE + " on the class path").isNotNull();
      schemaTree = JSON.readTree(in);
    }
    bundleSchema = registry.getSchema(JSON.writeValueAsString(schemaTree), InputFormat.JSON);
    try (InputStream in = EventCodec.class.getResourceAsStream(EventCodec.SCHEMA_RESOURCE)) {
      eventSchema = registry.getSchema(in, InputFormat.JSON);
    }
    store = RunStores.memory();
    RunId id = richRun(store);
    lines = exportedLines(id);
    dirLines = directoryLines(id);
  }

  @AfterAll
  static void close() {
    store.close();
  }

  /**
   * A completed rerun of a parent run, with a thread, labels, a recommendation link, a config diff
   * and two stages: one with input, output and two artifacts, one that failed once and was written
   * again as attempt 2.
   */
  private static RunId richRun(RunStore s) {
    ConfigSnapshot base = ConfigSnapshot.builder().model("acme", "m-1").build();
    RunRecord parent =
        RunRecord.builder(
                WorkflowRef.of("etl", "2.1"),
                base,
                Trigger.of(TriggerSource.API, "parent-" + UUID.randomUUID(), "svc"))
            .namespace("acme/etl")
            .build();
    s.create(parent);
    s.append(
        parent.id(),
        List.of(EventDraft.of(EventTypes.RUN_STARTED), EventDraft.of(EventTypes.RUN_COMPLETED)));
    ConfigSnapshot changed =
        ConfigSnapshot.builder().model("acme", "m-1").param("temperature", 0.7).build();
    ConfigDiff diff = base.diff(changed);
    RunRecord child =
        RunRecord.builder(
                WorkflowRef.of("etl", "2.1"),
                changed,
                Trigger.of(TriggerSource.CLI, "child-" + UUID.randomUUID(), "ada"))
            .namespace("acme/etl")
            .threadKey("customer-42")
            .label("team", "data")
            .recommendation(new RecommendationLink("rec-1", base.sha256(), diff))
            .lineage(new Lineage(parent.id(), Lineage.Relation.RERUN, Optional.empty(), diff))
            .build();
    RunId id = s.create(child).record().id();
    s.append(id, EventDraft.of(EventTypes.RUN_STARTED));
    s.append(id, EventDraft.of("x.acme.note", Map.of("text", "héllo ✓")).withStep("load"));
    StageManifest report =
        s.writeStage(
            id,
            StageWrite.of("report")
                .withInput(Payload.of(Map.of("rows", 3)))
                .withOutput(Payload.of(Map.of("ok", true)))
                .withArtifact(StageArtifact.of("summary.md", "report", bytes("# Summary\n")))
                .withArtifact(StageArtifact.of("tables/t1.csv", "table", new byte[] {0, 1, -1})));
    s.append(id, EventDraft.of(StageCompleted.of(report)));
    s.writeStage(
        id,
        StageWrite.of("load")
            .withStatus(StageWrite.Status.FAILED)
            .withInput(Payload.of(Map.of("try", 1))));
    s.writeStage(id, StageWrite.of("load").withAttempt(2).withOutput(Payload.of(Map.of("n", 1))));
    s.append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
    return id;
  }

  private static List<String> directoryLines(RunId id) throws IOException {
    Path tmp = Files.createTempDirectory("bundle-schema-");
    try {
      Path d = tmp.resolve("bundle");
      RunBundles.export(store, id, d, RunBundles.Form.DIRECTORY);
      return Files.readAllLines(d.resolve("bundle.ndjson"), StandardCharsets.UTF_8);
    } finally {
      try (var walk = Files.walk(tmp)) {
        for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  private static List<String> exportedLines(RunId id) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    RunBundles.export(store, id, out);
    String text = out.toString(StandardCharsets.UTF_8);
    assertThat(text).endsWith("\n");
    return List.of(text.substring(0, text.length() - 1).split("\n", -1));
  }

  // ---- a real bundle validates
  // --------------------------------------------------------------------

  @Test
  void schema_declaresDraft202012() {
    assertThat(schemaTree.path("$schema").asText())
        .isEqualTo("https://json-schema.org/draft/2020-12/schema");
    assertThat(schemaTree.path("$id").asText()).isEqualTo("urn:dev.runs:schema:runs-bundle-1");
  }

  @Test
  void exportedBundle_headerThenEventsThenStageFiles_everyLineValidates() {
    ObjectNode header = parse(lines.get(0));
    long events = header.path("event_count").asLong();
    long files = header.path("stage_files").asLong();

    assertThat(events).isEqualTo(header.path("head").path("last_sequence").asLong()).isEqualTo(5);
    assertThat(files).isEqualTo(6); // report: input, output, 2 artifacts; load: input, output
    assertThat(lines).hasSize((int) (1 + events + files));
    assertValid(lines.get(0));
    for (String line : lines.subList(1, (int) (1 + events))) {
      assertThat(eventSchema.validate(line, InputFormat.JSON)).as(line).isEmpty();
      assertThat(bundleSchema.validate(line, InputFormat.JSON))
          .as("an event line is neither a header nor a stage_file line: %s", line)
          .isNotEmpty();
    }
    for (String line : lines.subList((int) (1 + events), lines.size())) {
      assertThat(line).startsWith("{\"stage_file\":{");
      assertValid(line);
    }
  }

  @Test
  void exportedHeader_carriesTheRecordWithLineageAndTheManifests() {
    ObjectNode header = parse(lines.get(0));
    JsonNode run = header.path("run");

    assertThat(run.path("lineage").path("relation").asText()).isEqualTo("rerun");
    assertThat(run.path("lineage").path("config_diff")).isNotEmpty();
    assertThat(run.path("recommendation").path("recommendation_id").asText()).isEqualTo("rec-1");
    assertThat(header.path("head").path("status").asText()).isEqualTo("completed");
    assertThat(header.path("stages")).hasSize(3);
    assertThat(header.path("stages").findValuesAsText("status"))
        .containsExactly("completed", "failed", "completed");
  }

  @Test
  void schema_namesEveryFieldExportWrites() {
    ObjectNode header = parse(lines.get(0));
    JsonNode defs = schemaTree.path("$defs");

    assertThat(fieldNames(header)).isEqualTo(properties(defs.path("header")));
    assertThat(properties(defs.path("header")))
        .as("export writes every field the header requires")
        .containsAll(required(defs.path("header")));
    assertThat(fieldNames(header.path("run"))).isEqualTo(properties(defs.path("run_record")));
    assertThat(fieldNames(header.path("head"))).isEqualTo(properties(defs.path("head")));
    for (JsonNode m : header.path("stages")) {
      assertThat(properties(defs.path("stage_manifest"))).containsAll(fieldNames(m));
      assertThat(fieldNames(m)).containsAll(required(defs.path("stage_manifest")));
    }
    Set<String> stageFileProperties =
        properties(defs.path("stage_file_line").path("properties").path("stage_file"));
    Set<String> inline = fieldNames(parse(lines.get(lines.size() - 1)).path("stage_file"));
    Set<String> beside = fieldNames(parse(dirLines.get(dirLines.size() - 1)).path("stage_file"));
    assertThat(inline).contains("base64").doesNotContain("file");
    assertThat(beside).contains("file").doesNotContain("base64");
    Set<String> both = new HashSet<>(inline);
    both.addAll(beside);
    assertThat(both).isEqualTo(stageFileProperties);
  }

  @Test
  void directoryForm_sameHeaderAndEvents_stageFileLinesNameTheirFile() {
    assertThat(dirLines).hasSize(lines.size());
    ObjectNode header = parse(lines.get(0));
    ObjectNode dirHeader = parse(dirLines.get(0));
    for (ObjectNode h : List.of(header, dirHeader)) {
      h.remove("exported_at");
      h.remove("header_sha256"); // (a hash over the export time too)
    }
    assertThat(dirHeader).isEqualTo(header);
    long events = header.path("event_count").asLong();
    assertThat(dirLines.subList(1, (int) (1 + events)))
        .isEqualTo(lines.subList(1, (int) (1 + events)));
    for (String line : dirLines.subList((int) (1 + events), dirLines.size())) {
      JsonNode f = parse(line).path("stage_file");
      assertThat(f.path("file").asText())
          .isEqualTo(
              "files/"
                  + f.path("stage_key").asText()
                  + "/"
                  + f.path("attempt").asInt()
                  + "/"
                  + f.path("path").asText());
      assertValid(line);
    }
  }

  @Test
  void brokenDirectoryStageFileLines_fail() {
    String f = dirLines.get(dirLines.size() - 1);

    assertInvalid(editFile(f, o -> o.put("file", "files/../../etc/passwd")), "file");
    assertInvalid(editFile(f, o -> o.put("file", "/files/load/2/output.json")), "file");
    assertInvalid(editFile(f, o -> o.put("file", "files/load/0/output.json")), "file");
    assertInvalid(editFile(f, o -> o.put("base64", "")), "one and only one schema");
    assertInvalid(editFile(f, o -> o.remove("file")), "one and only one schema");
  }

  // ---- broken lines fail
  // --------------------------------------------------------------------------

  @Test
  void brokenHeaders_fail() {
    String h = lines.get(0);

    assertInvalid(edit(h, o -> o.put("schema", "runs.bundle/2")), "schema");
    assertInvalid(edit(h, o -> o.remove("events_sha256")), "events_sha256");
    assertInvalid(edit(h, o -> o.put("events_sha256", "ABC")), "events_sha256");
    assertInvalid(edit(h, o -> o.put("event_count", 0)), "event_count");
    assertInvalid(edit(h, o -> o.put("exported_at", "2026-03-01T10:15:30Z")), "exported_at");
    assertInvalid(edit(h, o -> ((ObjectNode) o.get("head")).put("status", "done")), "status");
    assertInvalid(edit(h, o -> ((ObjectNode) o.get("head")).remove("last_sequence")), "last");
    assertInvalid(edit(h, o -> ((ObjectNode) o.get("run")).put("id", "Acme/1")), "id");
    assertInvalid(
        edit(h, o -> ((ObjectNode) o.get("run").get("lineage")).put("relation", "fork")),
        "relation");
    assertInvalid(
        edit(h, o -> ((ObjectNode) o.get("stages").get(0)).put("stage_key", "-bad")), "stage_key");
    assertInvalid(
        edit(h, o -> ((ObjectNode) o.get("stages").get(0).get("files").get(0)).put("size", -1)),
        "size");
  }

  @Test
  void unknownHeaderFields_areAllowed() {
    assertValid(edit(lines.get(0), o -> o.putObject("origin").put("host", "laptop")));
  }

  @Test
  void brokenStageFileLines_fail() {
    String f = lines.get(lines.size() - 1);

    assertInvalid(editFile(f, o -> o.put("sha256", "0".repeat(63))), "sha256");
    assertInvalid(editFile(f, o -> o.put("path", "artifacts/../x")), "path");
    assertInvalid(editFile(f, o -> o.put("path", "notes.txt")), "path");
    assertInvalid(editFile(f, o -> o.put("attempt", 0)), "attempt");
    assertInvalid(editFile(f, o -> o.put("base64", "not base64!")), "base64");
    assertInvalid(editFile(f, o -> o.remove("kind")), "kind");
    assertInvalid(edit(f, o -> o.put("extra", 1)), "extra");
  }

  // ---- helpers
  // ------------------------------------------------------------------------------------

  private static void assertValid(String line) {
    List<Error> errors = bundleSchema.validate(line, InputFormat.JSON);
    assertThat(errors).as("schema errors for %s", line).isEmpty();
  }

  private static void assertInvalid(String line, String mentioned) {
    List<Error> errors = bundleSchema.validate(line, InputFormat.JSON);
    assertThat(errors).as("schema errors for %s", line).isNotEmpty();
    List<String> messages = new ArrayList<>();
    for (Error e : errors) {
      messages.add(e.toString());
    }
    assertThat(String.join("\n", messages)).as("errors name the field").contains(mentioned);
  }

  private static Set<String> fieldNames(JsonNode n) {
    Set<String> out = new HashSet<>();
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
      out.add(it.next());
    }
    return out;
  }

  private static Set<String> properties(JsonNode def) {
    return fieldNames(def.path("properties"));
  }

  private static Set<String> required(JsonNode def) {
    Set<String> out = new HashSet<>();
    def.path("required").forEach(n -> out.add(n.asText()));
    return out;
  }

  private static String editFile(String line, Consumer<ObjectNode> change) {
    return edit(line, o -> change.accept((ObjectNode) o.get("stage_file")));
  }

  private static String edit(String line, Consumer<ObjectNode> change) {
    ObjectNode tree = parse(line);
    change.accept(tree);
    try {
      return JSON.writeValueAsString(tree);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static ObjectNode parse(String line) {
    try {
      return (ObjectNode) JSON.readTree(line);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
