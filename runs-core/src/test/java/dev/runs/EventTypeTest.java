package dev.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class EventTypeTest {
  @Test
  void coreTypes_areCanonicalInstances() {
    assertThat(EventType.of("tool.call.completed")).isSameAs(EventTypes.TOOL_CALL_COMPLETED);
    assertThat(EventTypes.all()).hasSize(36).allSatisfy(t -> assertThat(t.isCore()).isTrue());
    assertThat(EventTypes.ERROR.name()).isEqualTo("error");
  }

  @Test
  void customTypes_needNamespaceAndName() {
    assertThat(EventType.of("x.acme.score").isCustom()).isTrue();
    assertThat(EventType.of("x.acme").isCustom()).isFalse();
    assertThat(EventType.of("x.acme.score").isCore()).isFalse();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "Tool.call",
        "tool..call",
        ".tool",
        "tool.",
        "tool-call",
        "tool.1call",
        "a.b.c.d.e.f.g.h.i",
        "tool call"
      })
  void of_malformed_isRefused(String name) {
    assertThatThrownBy(() -> EventType.of(name))
        .isInstanceOf(ValidationException.class)
        .satisfies(e -> assertThat(((ValidationException) e).field()).isEqualTo("type"));
  }
}
