package dev.runs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class RedactorTest {
  private final Redactor r = Redactor.defaults();

  @Test
  void secretFieldNames_areMasked_butTokenCountsAreNot() {
    Payload p =
        Payload.of(
            Map.of(
                "password",
                "p",
                "api_key",
                "k",
                "Client-Secret",
                "s",
                "access_token",
                "t",
                "max_tokens",
                100,
                "usage",
                Map.of("input_tokens", 5, "output_tokens", 6),
                "nested",
                List.of(Map.of("Authorization", "Basic abc"))));
    var out = r.redact(p).toJsonNode();
    assertThat(out.get("password").asText()).isEqualTo(Redactor.MASK);
    assertThat(out.get("api_key").asText()).isEqualTo(Redactor.MASK);
    assertThat(out.get("Client-Secret").asText()).isEqualTo(Redactor.MASK);
    assertThat(out.get("access_token").asText()).isEqualTo(Redactor.MASK);
    assertThat(out.get("max_tokens").asInt()).isEqualTo(100);
    assertThat(out.get("usage").get("input_tokens").asInt()).isEqualTo(5);
    assertThat(out.get("nested").get(0).get("Authorization").asText()).isEqualTo(Redactor.MASK);
  }

  @Test
  void secretShapesInsideText_areMasked() {
    String pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----";
    Payload p =
        Payload.of(
            Map.of(
                "text",
                "curl -H 'Authorization: Bearer abcdefghijklmnop' key sk-ABCDEFGHIJKLMNOPQRST id"
                    + " AKIAABCDEFGHIJKLMNOP gh ghp_abcdefghijklmnopqrstuvwxyz0123456789 jwt"
                    + " eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.SflKxwRJSMeKKF2QT4 "
                    + pem));
    String text = r.redact(p).text("text").orElseThrow();
    assertThat(text)
        .doesNotContain("abcdefghijklmnop")
        .doesNotContain("sk-ABCDEFGH")
        .doesNotContain("AKIAABCD")
        .doesNotContain("ghp_abc")
        .doesNotContain("SflKxw")
        .doesNotContain("MIIEow")
        .contains("Bearer " + Redactor.MASK)
        .contains("curl -H");
  }

  @Test
  void cleanPayload_isReturnedUnchanged() {
    Payload p = Payload.of(Map.of("stream", "stdout", "text", "hello world"));
    assertThat(r.redact(p)).isSameAs(p);
    Payload keyish = Payload.of(Map.of("stage_key", "fetch", "idempotency_key", "k"));
    assertThat(r.redact(keyish)).isEqualTo(keyish);
  }

  @Test
  void configSnapshots_areRedactedToo_andChaining() {
    ConfigSnapshot c = ConfigSnapshot.builder().param("api_key", "sk-ABCDEFGHIJKLMNOPQRST").build();
    assertThat(r.redact(c).json()).doesNotContain("sk-ABCD").contains(Redactor.MASK);
    Redactor custom =
        r.andThen(
            p ->
                p.json().contains("internal-host")
                    ? Payload.of(p.json().replace("internal-host", "[HOST]"))
                    : p);
    assertThat(custom.redact(Payload.of(Map.of("url", "http://internal-host/x"))).text("url"))
        .contains("http://[HOST]/x");
    assertThat(Redactor.none().redact(Payload.of(Map.of("password", "p"))).text("password"))
        .contains("p");
  }
}
