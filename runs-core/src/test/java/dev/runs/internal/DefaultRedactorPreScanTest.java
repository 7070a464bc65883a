package dev.runs.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.Payload;
import dev.runs.Redactor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The default redactor's pre-scan only skips payloads the full walk would leave alone: for any
 * payload, redacting with the pre-scan gives what the walk without it gives.
 */
final class DefaultRedactorPreScanTest {
  private static final Redactor R = DefaultRedactor.INSTANCE;

  @ParameterizedTest
  @ValueSource(strings = {"cookie", "Set-Cookie", "pa-ss_word", "s_e_c_r_e_t", "cred-ential"})
  void secretNamesTheOldPreScanMissed_areMasked_alone(String name) {
    Payload p = Payload.of(Map.of(name, "value 1", "other", "plain"));
    var out = R.redact(p).toJsonNode();
    assertThat(out.get(name).asText()).isEqualTo(Redactor.MASK);
    assertThat(out.get("other").asText()).isEqualTo("plain");
  }

  @ParameterizedTest
  @ValueSource(strings = {"gho_", "ghu_", "ghs_", "ghr_"})
  void githubTokensTheOldPreScanMissed_areMasked_alone(String prefix) {
    Payload p = Payload.of(Map.of("text", "id " + prefix + "abcdefghijklmnopqrstuvwxyz0123456789"));
    assertThat(R.redact(p).text("text").orElseThrow()).isEqualTo("id " + Redactor.MASK);
  }

  @Test
  void payloadsWithoutHints_skipTheWalk() {
    Payload p = Payload.of(Map.of("stream", "stdout", "text", "hello-world_again", "n", 3));
    assertThat(DefaultRedactor.mayContainSecret(p.json())).isFalse();
    assertThat(R.redact(p)).isSameAs(p);
  }

  static LongStream seeds() {
    return new Random(20261206L).longs(400);
  }

  private static final String[] NAMES = {
    "password",
    "pass-word",
    "pa_ss-wd",
    "client_secret",
    "API-Key",
    "access__key",
    "private-key",
    "credentials",
    "auth",
    "Authorization",
    "cookie",
    "set_cookie",
    "token",
    "access-token",
    "max_tokens",
    "input_tokens",
    "stage_key",
    "text",
    "name",
    "key_id",
    "s-e-c-r-e-t",
    "tok_en"
  };

  private static final String[] VALUES = {
    "hello",
    "Bearer abcdefghijklmnop",
    "sk-ABCDEFGHIJKLMNOPQRST",
    "AKIAABCDEFGHIJKLMNOP",
    "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    "gho_abcdefghijklmnopqrstuvwxyz0123456789",
    "ghs_abcdefghijklmnopqrstuvwxyz0123456789",
    "xoxb-1234567890-abc",
    "eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.SflKxwRJSMeKKF2QT4",
    "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----",
    "s_k-ABCDEFGHIJKLMNOPQRST",
    "g-h-p_abc",
    "plain-text_with-separators"
  };

  @ParameterizedTest
  @MethodSource("seeds")
  void preScan_neverSkipsWhatTheWalkWouldMask(long seed) {
    Random rnd = new Random(seed);
    Map<String, Object> fields = new LinkedHashMap<>();
    int n = 1 + rnd.nextInt(4);
    for (int i = 0; i < n; i++) {
      Object value = VALUES[rnd.nextInt(VALUES.length)];
      if (rnd.nextInt(4) == 0) {
        value = Map.of(NAMES[rnd.nextInt(NAMES.length)], value);
      } else if (rnd.nextInt(4) == 0) {
        value = List.of(value, "x");
      }
      fields.put(NAMES[rnd.nextInt(NAMES.length)] + (rnd.nextBoolean() ? "" : i), value);
    }
    Payload p = Payload.of(fields);
    ObjectNode walked = p.toJsonNode();
    boolean changed = DefaultRedactor.redactNode(walked);
    Payload expected = changed ? Payload.of(walked) : p;
    assertThat(R.redact(p)).as("seed %d, payload %s", seed, p.json()).isEqualTo(expected);
  }
}
