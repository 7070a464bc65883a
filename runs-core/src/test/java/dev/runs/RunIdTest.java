package dev.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class RunIdTest {
  @Test
  void random_isUuidV7_andTimeOrdered() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      ids.add(RunId.random().value());
    }
    assertThat(ids).isSorted().doesNotHaveDuplicates();
    assertThat(ids.get(0))
        .matches("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  }

  @Test
  void random_withNamespace_prefixesIt() {
    RunId id = RunId.random("acme/etl");
    assertThat(id.namespace()).isEqualTo("acme/etl");
    assertThat(id.localId()).hasSize(36);
    assertThat(id.segments()).hasSize(3);
    assertThat(RunId.random("").namespace()).isEmpty();
    assertThat(RunId.of("solo").namespaceIfAny()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"a", "acme/etl/0190a5c3-7b1e-7cc1-9e0a-3f6c2d1b4a55", "run_1.v2", "0-9"})
  void of_validIds_areAccepted(String value) {
    assertThat(RunId.of(value).value()).isEqualTo(value);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "/a",
        "a/",
        "a//b",
        "a/./b",
        "a/../b",
        "..",
        ".",
        "A",
        "a b",
        "a\\b",
        "a\u0000b",
        "-a",
        "a/_b",
        "é",
        "a;drop table runs"
      })
  void of_invalidIds_areRefusedWithTheRule(String value) {
    assertThatThrownBy(() -> RunId.of(value))
        .isInstanceOf(ValidationException.class)
        .satisfies(e -> assertThat(((ValidationException) e).field()).isEqualTo("run_id"));
  }

  @Test
  void of_tooLongOrTooDeep_isRefused() {
    assertThatThrownBy(() -> RunId.of("a".repeat(RunId.MAX_LENGTH + 1)))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("at most " + RunId.MAX_LENGTH);
    assertThatThrownBy(() -> RunId.of("a/b/c/d/e/f/g/h/i"))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("segments");
  }

  @Test
  void validateNamespace_refusesBadPrefix() {
    assertThatThrownBy(() -> RunId.random("Acme"))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("namespace");
  }
}
