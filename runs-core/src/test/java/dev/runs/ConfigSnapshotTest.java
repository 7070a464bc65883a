package dev.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.NullNode;
import dev.runs.seeded.Cases;
import dev.runs.seeded.SeededProperty;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

final class ConfigSnapshotTest {
  @Test
  void sameLogicalConfig_sameHash_whateverKeyOrderOrWhitespace() {
    ConfigSnapshot a =
        ConfigSnapshot.parse(
            "{\"model\":{\"name\":\"m\",\"params\":{\"t\":0.5,\"k\":1}},\"prompt\":\"hi\"}");
    ConfigSnapshot b =
        ConfigSnapshot.parse(
            "{ \"prompt\" : \"hi\",\n"
                + " \"model\": {\"params\": {\"k\": 1.0, \"t\": 0.50}, \"name\": \"m\"} }");
    assertThat(a.sha256()).isEqualTo(b.sha256()).hasSize(64);
    assertThat(a).isEqualTo(b);
    assertThat(a.json())
        .isEqualTo("{\"model\":{\"name\":\"m\",\"params\":{\"k\":1,\"t\":0.5}},\"prompt\":\"hi\"}");
    assertThat(ConfigSnapshot.parse("{\"prompt\":\"hi!\"}").sha256()).isNotEqualTo(a.sha256());
  }

  @Test
  void builder_buildsConventionalLayout() {
    ConfigSnapshot c =
        ConfigSnapshot.builder()
            .prompt("Summarise {doc}")
            .model("acme", "m-1")
            .param("temperature", 0.2)
            .policy("max_tool_calls", 5)
            .tool("search", "2.1", Map.of("description", "web search"))
            .input("doc", "report.pdf")
            .build();
    assertThat(c.at("/model/params/temperature").orElseThrow().decimalValue())
        .isEqualByComparingTo("0.2");
    assertThat(c.at("/tools/0/version").orElseThrow().asText()).isEqualTo("2.1");
    assertThat(c.at("/nope")).isEmpty();
  }

  @Test
  void withOverrides_andDiff_recordAddedRemovedChanged() {
    ConfigSnapshot base =
        ConfigSnapshot.builder()
            .model("acme", "m-1")
            .param("temperature", 0.2)
            .param("top_p", 0.9)
            .build();
    ConfigSnapshot changed =
        base.withOverrides(
            List.of(
                ConfigOverride.replace("/model/params/temperature", 0.7),
                ConfigOverride.remove("/model/params/top_p"),
                ConfigOverride.add("/model/params/seed", 42),
                ConfigOverride.add("/policy/max_steps", 3)));

    ConfigDiff diff = base.diff(changed);
    assertThat(diff.changes())
        .extracting(c -> c.op() + " " + c.path())
        .containsExactly(
            "ADDED /model/params/seed", "CHANGED /model/params/temperature",
            "REMOVED /model/params/top_p", "ADDED /policy");
    ConfigDiff.Change t = diff.changes().get(1);
    assertThat(t.oldValue().orElseThrow().decimalValue()).isEqualByComparingTo("0.2");
    assertThat(t.newValue().orElseThrow().decimalValue()).isEqualByComparingTo("0.7");
    assertThat(base.diff(base).isEmpty()).isTrue();
  }

  @Test
  void withOverrides_map_replacesAndRemovesExistingPaths() {
    ConfigSnapshot base =
        ConfigSnapshot.builder().param("temperature", 0.2).input("topic", "tides").build();
    Map<String, Object> overrides = new LinkedHashMap<>();
    overrides.put("/model/params/temperature", 0.7);
    overrides.put("/inputs/topic", null);

    ConfigSnapshot changed = base.withOverrides(overrides);

    assertThat(changed.json())
        .isEqualTo("{\"inputs\":{},\"model\":{\"params\":{\"temperature\":0.7}}}");
  }

  @Test
  void withOverrides_unknownPath_isRefusedNamingThePathAndTheNearestKeys() {
    ConfigSnapshot base =
        ConfigSnapshot.builder()
            .input("topic", "tides")
            .input("audience", "kids")
            .input("tone", "calm")
            .param("temperature", 0.2)
            .build();

    assertThatThrownBy(() -> base.withOverrides(Map.of("/inputs/topik", "waves")))
        .isInstanceOf(UnknownConfigPathException.class)
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("overrides./inputs/topik")
        .hasMessageContaining("/inputs has no key 'topik'")
        .hasMessageContaining("nearest keys there: topic, tone, audience")
        .hasMessageContaining("use add")
        .satisfies(
            e -> {
              UnknownConfigPathException u = (UnknownConfigPathException) e;
              assertThat(u.path()).isEqualTo("/inputs/topik");
              assertThat(u.field()).isEqualTo("overrides./inputs/topik");
              assertThat(u.nearestKeys()).containsExactly("topic", "tone", "audience");
            });
    assertThatThrownBy(() -> base.withOverrides(Map.of("/imputs/topic", "waves")))
        .isInstanceOf(UnknownConfigPathException.class)
        .hasMessageContaining("the config has no top-level key 'imputs'")
        .satisfies(
            e ->
                assertThat(((UnknownConfigPathException) e).nearestKeys())
                    .containsExactly("inputs", "model"));
    Map<String, Object> remove = new LinkedHashMap<>();
    remove.put("/inputs/tpoic", null);
    assertThatThrownBy(() -> base.withOverrides(remove))
        .isInstanceOf(UnknownConfigPathException.class)
        .hasMessageContaining("'tpoic'");
    assertThatThrownBy(
            () -> base.withOverrides(List.of(ConfigOverride.replace("/policy/max_steps", 3))))
        .isInstanceOf(UnknownConfigPathException.class)
        .hasMessageContaining("top-level key 'policy'");
    assertThatThrownBy(
            () ->
                ConfigSnapshot.parse("{\"inputs\":{}}")
                    .withOverrides(List.of(ConfigOverride.remove("/inputs/x"))))
        .isInstanceOf(UnknownConfigPathException.class)
        .hasMessageContaining("/inputs is empty");
  }

  @Test
  void withOverrides_add_createsTheKeyAndMissingParents_orReplacesOne() {
    ConfigSnapshot base = ConfigSnapshot.builder().input("topic", "tides").build();

    ConfigSnapshot changed =
        base.withOverrides(
            List.of(
                ConfigOverride.add("/inputs/topik", "waves"),
                ConfigOverride.add("/inputs/topic", "moon"),
                ConfigOverride.add("/model/params/seed", 7),
                ConfigOverride.replace("/model/params/seed", 8)));

    assertThat(changed.json())
        .isEqualTo(
            "{\"inputs\":{\"topic\":\"moon\",\"topik\":\"waves\"},"
                + "\"model\":{\"params\":{\"seed\":8}}}");
  }

  @Test
  void withOverrides_anExistingNullValue_canBeReplacedButIsNotCrossed() {
    ConfigSnapshot base = ConfigSnapshot.parse("{\"inputs\":null,\"seed\":null}");

    assertThat(base.withOverrides(Map.of("/seed", 1)).json())
        .isEqualTo("{\"inputs\":null,\"seed\":1}");
    assertThatThrownBy(() -> base.withOverrides(Map.of("/inputs/topic", "x")))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("crosses 'inputs', which is a NULL");
    assertThat(base.withOverrides(List.of(ConfigOverride.add("/inputs/topic", "x"))).json())
        .isEqualTo("{\"inputs\":{\"topic\":\"x\"},\"seed\":null}");
  }

  @Test
  void withOverrides_badPointers_areRefused() {
    ConfigSnapshot base = ConfigSnapshot.builder().prompt("p").build();
    assertThatThrownBy(() -> base.withOverrides(Map.of("model", 1)))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("JSON Pointer");
    assertThatThrownBy(() -> base.withOverrides(Map.of("/prompt/x", 1)))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("not an object");
    assertThatThrownBy(() -> base.withOverrides(Map.of("/a~2", 1)))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("~");
    assertThatThrownBy(() -> base.withOverrides(Map.of("", 1)))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("root pointer");
    assertThatThrownBy(() -> ConfigOverride.add("/x", NullNode.getInstance()))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("ConfigOverride.remove");
  }

  @Test
  void parse_nonObject_isRefused() {
    assertThatThrownBy(() -> ConfigSnapshot.parse("[1]")).isInstanceOf(ValidationException.class);
    assertThatThrownBy(() -> ConfigSnapshot.parse("{")).isInstanceOf(ValidationException.class);
  }

  @SeededProperty(cases = 200)
  void hash_ignoresKeyOrder(Cases cases) {
    Map<String, Object> config = config(cases);
    Map<String, Object> reversed = new LinkedHashMap<>();
    List<String> keys = new java.util.ArrayList<>(config.keySet());
    java.util.Collections.reverse(keys);
    for (String k : keys) {
      reversed.put(k, config.get(k));
    }
    assertThat(ConfigSnapshot.of(reversed).sha256()).isEqualTo(ConfigSnapshot.of(config).sha256());
    assertThat(ConfigSnapshot.parse(ConfigSnapshot.of(config).json()))
        .isEqualTo(ConfigSnapshot.of(config));
  }

  /** Up to 8 entries: strings, ints, doubles, booleans and maps of them one level deep. */
  private static Map<String, Object> config(Cases cases) {
    Supplier<Object> leaf =
        () ->
            cases.oneOf(
                () -> cases.string(0, 8, cases::anyChar),
                cases::anyInt,
                () -> cases.doubleBetween(-1e6, 1e6),
                cases::bool);
    Supplier<Object> nested = () -> cases.map(4, () -> cases.alpha(1, 5), leaf);
    return cases.map(8, () -> cases.alpha(1, 6), () -> cases.oneOf(leaf, nested));
  }
}
