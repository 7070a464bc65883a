package dev.runs.internal.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.ValidationException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class JsonTest {
  record Page(String url, int bytes, List<String> links) {}

  @Test
  void recordedOutputs_readBackAsTheirTypes() {
    Page p = new Page("u", 3, List.of("a", "b"));
    assertThat(Json.read(Json.strict(p, "out"), Page.class, "out")).isEqualTo(p);
    assertThat(Json.read(Json.strict("text", "out"), String.class, "out")).isEqualTo("text");
    assertThat(Json.read(Json.strict(42, "out"), Integer.class, "out")).isEqualTo(42);
    Map<?, ?> map = Json.read(Json.strict(Map.of("k", 1), "out"), Map.class, "out");
    assertThat(map.get("k")).isEqualTo(1);
    assertThat(
            Json.read(Json.strict(Map.of("k", 1), "out"), ObjectNode.class, "out").get("k").asInt())
        .isEqualTo(1);
    assertThat(Json.read(NullNode.getInstance(), String.class, "out")).isNull();
    assertThat(Json.read(NullNode.getInstance(), JsonNode.class, "out"))
        .isEqualTo(NullNode.getInstance());
    assertThat(Json.read(Json.strict(1, "out"), Void.class, "out")).isNull();
  }

  @Test
  void mismatchedOutputs_andUnsupportedValues_nameTheField() {
    assertThatThrownBy(() -> Json.read(Json.strict(5, "out"), String.class, "step a output"))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("step a output");
    assertThatThrownBy(() -> Json.read(Json.strict("x", "out"), Page.class, "step a output"))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("step a output");
    assertThatThrownBy(() -> Json.strict(new Object(), "step b output"))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("step b output");
    assertThat(
            Json.lenient(
                    new Object() {
                      @Override
                      public String toString() {
                        return "opaque";
                      }
                    })
                .asText())
        .isEqualTo("opaque");
  }
}
