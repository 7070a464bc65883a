package dev.runs.mcp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runs.EventCodec;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/** The tool schemas carry the envelope schema's rules rather than a copy of their own. */
final class ToolSchemasTest {
  private final ObjectMapper mapper = new ObjectMapper();
  private final ToolSchemas schemas = new ToolSchemas(mapper);

  private JsonNode envelope() throws Exception {
    try (InputStream in = EventCodec.class.getResourceAsStream(EventCodec.SCHEMA_RESOURCE)) {
      return mapper.readTree(in);
    }
  }

  @Test
  void emit_carriesTheEnvelopesFieldsAndPerTypeRules_forOneEventAndForEachBatchItem()
      throws Exception {
    JsonNode env = envelope();
    JsonNode emit = schemas.emit(50);
    for (String f : ToolSchemas.DRAFT_FIELDS) {
      assertThat(emit.path("properties").path(f)).as(f).isEqualTo(env.path("properties").path(f));
    }
    assertThat(emit.path("properties").path("run_id"))
        .isEqualTo(env.path("properties").path("run_id"));
    assertThat(emit.path("allOf")).isEqualTo(env.path("allOf"));
    assertThat(emit.path("$defs")).isEqualTo(env.path("$defs"));
    JsonNode item = emit.path("properties").path("events").path("items");
    assertThat(item.path("allOf")).isEqualTo(env.path("allOf"));
    assertThat(item.path("required").toString()).isEqualTo("[\"type\"]");
    assertThat(emit.path("properties").path("events").path("maxItems").asInt()).isEqualTo(50);
    assertThat(emit.path("required").toString()).isEqualTo("[\"run_id\"]");
  }

  @Test
  void emit_listsTheRequiredPayloadFieldsOfCoreTypes() {
    String allOf = schemas.emit(10).path("allOf").toString();
    assertThat(allOf).contains("tool_name", "checkpoint_id", "step_id", "attempt", "verdict");
  }

  @Test
  void everyToolSchema_isAClosedObject() {
    for (JsonNode s :
        new JsonNode[] {
          schemas.createRun(),
          schemas.emit(1),
          schemas.runOnly(),
          schemas.cancel(),
          schemas.query(10),
          schemas.list()
        }) {
      assertThat(s.path("type").asText()).isEqualTo("object");
      assertThat(s.path("additionalProperties").asBoolean(true)).as(s.toString()).isFalse();
    }
    assertThat(schemas.createRun().path("required").toString())
        .isEqualTo("[\"workflow\",\"trigger_id\"]");
  }
}
