package dev.runs.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class ApiRequestTest {

  private static ApiRequest request(
      String path, String query, Map<String, List<String>> headers, String body) {
    return new ApiRequest(
        "POST",
        path,
        query,
        headers,
        () -> new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void segments_decodeEachSegment_soAnEncodedSlashStaysInside() {
    ApiRequest r = request("/runs/acme%2Flab%2F0190/events", null, Map.of(), "");
    assertThat(r.segments()).containsExactly("runs", "acme/lab/0190", "events");
  }

  @Test
  void segments_trailingSlashIgnored_rootIsEmpty_plusStaysAPlus() {
    assertThat(request("/runs/", null, Map.of(), "").segments()).containsExactly("runs");
    assertThat(request("/", null, Map.of(), "").segments()).isEmpty();
    assertThat(request("", null, Map.of(), "").segments()).isEmpty();
    assertThat(request("/a+b/%C3%A9", null, Map.of(), "").segments()).containsExactly("a+b", "é");
  }

  @Test
  void segments_malformedEscapeOrNotUtf8_isAValidationProblemOnPath() {
    for (String bad : List.of("/runs/a%zz", "/runs/a%2", "/runs/%C3%28")) {
      assertThatThrownBy(() -> request(bad, null, Map.of(), "").segments())
          .isInstanceOfSatisfying(
              ProblemException.class,
              p -> {
                assertThat(p.type()).isEqualTo(ProblemType.VALIDATION);
                assertThat(p.extensions().path("field").asText()).isEqualTo("path");
              });
    }
  }

  @Test
  void query_decodesAsAForm_keepingRepeatsInOrder() {
    ApiRequest r =
        request("/runs", "status=failed&status=completed&thread=a+b%2Fc&flag", Map.of(), "");
    assertThat(r.query())
        .containsEntry("status", List.of("failed", "completed"))
        .containsEntry("thread", List.of("a b/c"))
        .containsEntry("flag", List.of(""));
  }

  @Test
  void query_malformedEscape_isAValidationProblem() {
    assertThatThrownBy(() -> request("/runs", "thread=%zz", Map.of(), "").query())
        .isInstanceOfSatisfying(
            ProblemException.class,
            p -> assertThat(p.extensions().path("field").asText()).isEqualTo("query"));
  }

  @Test
  void headers_areCaseInsensitive() {
    ApiRequest r = request("/", null, Map.of("content-TYPE", List.of("application/json")), "");
    assertThat(r.header("Content-Type")).contains("application/json");
    assertThat(r.headers("X-Missing")).isEmpty();
  }

  @Test
  void body_readsUpToTheLimit_andRefusesMore() {
    assertThat(request("/", null, Map.of(), "12345").body(5)).hasSize(5);
    assertThatThrownBy(() -> request("/", null, Map.of(), "123456").body(5))
        .isInstanceOfSatisfying(
            ProblemException.class,
            p -> assertThat(p.type()).isEqualTo(ProblemType.PAYLOAD_TOO_LARGE));
    assertThatThrownBy(
            () -> request("/", null, Map.of("Content-Length", List.of("999")), "1").body(5))
        .isInstanceOfSatisfying(
            ProblemException.class,
            p -> assertThat(p.extensions().path("limit_bytes").asLong()).isEqualTo(5));
    assertThatThrownBy(
            () -> request("/", null, Map.of("Content-Length", List.of("lots")), "1").body(5))
        .isInstanceOfSatisfying(
            ProblemException.class,
            p -> assertThat(p.extensions().path("field").asText()).isEqualTo("Content-Length"));
  }

  @Test
  void authenticatorRequest_readsBearerTokensAndCookies() {
    ApiRequest r =
        request(
            "/",
            null,
            Map.of(
                "authorization",
                List.of("bEaReR  s3cret "),
                "Cookie",
                List.of("theme=dark; session=abc=1", "other=x")),
            "");
    assertThat(r.bearerToken()).contains("s3cret");
    assertThat(r.cookie("session")).contains("abc=1");
    assertThat(r.cookie("other")).contains("x");
    assertThat(r.cookie("missing")).isEmpty();
    assertThat(
            request("/", null, Map.of("Authorization", List.of("Basic dXNlcg==")), "")
                .bearerToken())
        .isEmpty();
    assertThat(request("/", null, Map.of("Authorization", List.of("Bearer ")), "").bearerToken())
        .isEmpty();
  }

  @Test
  void negotiate_picksByQualityThenOrder() {
    assertThat(EventsResource.negotiate("")).hasToString("JSON");
    assertThat(EventsResource.negotiate("text/event-stream")).hasToString("SSE");
    assertThat(EventsResource.negotiate("application/json;q=0.5, application/x-ndjson"))
        .hasToString("NDJSON");
    assertThat(EventsResource.negotiate("text/event-stream;q=0, */*")).hasToString("JSON");
    assertThatThrownBy(() -> EventsResource.negotiate("text/html, image/png"))
        .isInstanceOfSatisfying(
            ProblemException.class,
            p -> assertThat(p.type()).isEqualTo(ProblemType.NOT_ACCEPTABLE));
  }
}
