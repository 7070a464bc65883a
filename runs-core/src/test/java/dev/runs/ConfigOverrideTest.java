package dev.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class ConfigOverrideTest {
  @Test
  void fromMap_readsReplaceForAValueAndRemoveForNull_inTheMapsOrder() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("/b", 1);
    map.put("/a", null);
    map.put("/c", NullNode.getInstance());

    List<ConfigOverride> overrides = ConfigOverride.fromMap(map);

    assertThat(overrides)
        .containsExactly(
            ConfigOverride.replace("/b", 1),
            ConfigOverride.remove("/a"),
            ConfigOverride.remove("/c"));
    assertThat(overrides.get(0).kind()).isEqualTo(ConfigOverride.Kind.REPLACE);
    assertThat(overrides.get(0).value().orElseThrow().asInt()).isEqualTo(1);
    assertThat(overrides.get(1).value()).isEmpty();
    assertThat(overrides).extracting(Object::toString).contains("replace /b", "remove /a");
  }

  @Test
  void value_isACopy_neitherTheCallersTreeNorTheReturnedOneChangesIt() {
    ObjectNode given = JsonNodeFactory.instance.objectNode().put("k", 1);
    ConfigOverride o = ConfigOverride.add("/x", given);

    given.put("k", 2);
    ((ObjectNode) o.value().orElseThrow()).put("k", 3);

    assertThat(o.value().orElseThrow().toString()).isEqualTo("{\"k\":1}");
  }

  @Test
  void badPathsAndNullValues_areRefused() {
    assertThatThrownBy(() -> ConfigOverride.replace("x", 1))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("JSON Pointer");
    assertThatThrownBy(() -> ConfigOverride.remove(""))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("root pointer");
    assertThatThrownBy(() -> ConfigOverride.replace("/x", NullNode.getInstance()))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("overrides./x")
        .hasMessageContaining("ConfigOverride.remove");
    assertThatThrownBy(() -> ConfigOverride.add("/x", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("value");
  }
}
