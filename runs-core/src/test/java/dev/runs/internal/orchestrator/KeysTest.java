package dev.runs.internal.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.EventDraft;
import org.junit.jupiter.api.Test;

final class KeysTest {
  @Test
  void keys_areDeterministicAndDistinct() {
    assertThat(Keys.step("build/compile", 2, "started")).isEqualTo("step:build/compile:2:started");
    assertThat(Keys.step("a", 1, "started")).isNotEqualTo(Keys.step("a", 2, "started"));
    assertThat(Keys.resume("click-1")).isEqualTo("resume:click-1");
    assertThat(Keys.emit("", 0, 3)).isEqualTo("emit::0:3");
  }

  @Test
  void longKeys_areHashedToFitTheEnvelope() {
    String longId = "s".repeat(190);
    String a = Keys.step(longId, 1, "started");
    String b = Keys.step(longId, 2, "started");

    assertThat(a.length()).isLessThanOrEqualTo(EventDraft.MAX_IDEMPOTENCY_KEY_LENGTH);
    assertThat(a).isNotEqualTo(b);
    assertThat(Keys.step(longId, 1, "started")).isEqualTo(a);
  }
}
