package dev.runs.mcp.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.RunId;
import dev.runs.ValidationException;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Run ids and namespaces in resource URIs. */
final class McpResourcesTest {

  @Test
  void changedUris_nameTheRunsResourcesAndItsNamespace() {
    assertThat(McpResources.changedUris(RunId.of("acme/lab/r1")))
        .containsExactly(
            "runs://run/acme%2Flab%2Fr1",
            "runs://run/acme%2Flab%2Fr1/events",
            "runs://run/acme%2Flab%2Fr1/state",
            "runs://runs/acme%2Flab");
  }

  @ParameterizedTest
  @ValueSource(longs = {1L, 2L, 3L, 42L, 2026L})
  void decode_undoesEncode_forRandomText(long seed) {
    Random r = new Random(seed);
    for (int i = 0; i < 200; i++) {
      StringBuilder b = new StringBuilder();
      int n = r.nextInt(20);
      for (int j = 0; j < n; j++) {
        b.appendCodePoint(r.nextInt(3) == 0 ? 0x20 + r.nextInt(0x5f) : 0x61 + r.nextInt(0x2000));
      }
      String s = b.toString();
      assertThat(McpResources.decode(McpResources.encode(s)))
          .as("seed %d: %s", seed, s)
          .isEqualTo(s);
    }
  }

  @Test
  void decode_malformedEscape_namesTheUri() {
    assertThatThrownBy(() -> McpResources.decode("abc%2"))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("uri");
    assertThatThrownBy(() -> McpResources.decode("abc%zz"))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("percent escape");
  }
}
