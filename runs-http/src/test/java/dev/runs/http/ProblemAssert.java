package dev.runs.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;

/** Checks that a response is an RFC 9457 problem of the expected class. */
final class ProblemAssert {
  private ProblemAssert() {}

  /**
   * @param r the response
   * @param status the expected HTTP status
   * @param slug the expected problem class, e.g. {@code validation}
   * @return the problem body
   */
  static JsonNode assertProblem(Http.Response r, int status, String slug) {
    assertThat(r.status()).as(r.text()).isEqualTo(status);
    assertThat(r.contentType()).isEqualTo("application/problem+json");
    JsonNode p = r.json();
    assertThat(p.path("type").asText()).isEqualTo("urn:runs:problem:" + slug);
    assertThat(p.path("status").asInt()).isEqualTo(status);
    assertThat(p.path("title").asText()).isNotBlank();
    assertThat(p.path("detail").asText()).isNotBlank();
    assertThat(p.path("instance").asText()).startsWith("/");
    return p;
  }

  /** Asserts a 400 validation problem naming {@code field}. */
  static JsonNode assertValidation(Http.Response r, String field) {
    JsonNode p = assertProblem(r, 400, "validation");
    assertThat(p.path("field").asText()).as(p.toString()).isEqualTo(field);
    return p;
  }
}
