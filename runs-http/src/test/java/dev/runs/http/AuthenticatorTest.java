package dev.runs.http;

import static dev.runs.http.ProblemAssert.assertProblem;
import static dev.runs.http.ProblemAssert.assertValidation;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.RunQuery;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The {@link Authenticator} hook guards every API path and names the actor of triggers. */
@Timeout(60)
final class AuthenticatorTest {
  private static final String TOKEN = "0123456789abcdef-secret";

  @Test
  void withoutCredentials_everyApiPathIs401_withAChallenge() {
    try (Fixture f = Fixture.start(b -> b.authenticator(Authenticator.bearerToken(TOKEN, "ops")))) {
      for (String path :
          new String[] {"/runs", "/workflows", "/recommendations/x", "/runs/x/events"}) {
        Http.Response r = f.http.get(path);
        assertProblem(r, 401, "unauthorized");
        assertThat(r.header("WWW-Authenticate")).contains("Bearer realm=\"runs\"");
      }
      assertProblem(f.http.post("/runs", Fixture.startBody("research")), 401, "unauthorized");
      assertProblem(
          f.http.get("/runs", "Authorization", "Bearer wrong-token-0000000"), 401, "unauthorized");
      assertThat(f.orchestrator.list(RunQuery.all()).runs()).isEmpty();
    }
  }

  @Test
  void withTheToken_requestsPass_andThePrincipalIsTheTriggerActor() {
    try (Fixture f = Fixture.start(b -> b.authenticator(Authenticator.bearerToken(TOKEN, "ops")))) {
      Http.Response r =
          f.http.post("/runs", Fixture.startBody("research"), "Authorization", "Bearer " + TOKEN);
      assertThat(r.status()).as(r.text()).isEqualTo(201);
      assertThat(r.json().path("record").path("trigger").path("actor").asText()).isEqualTo("ops");
      assertThat(f.http.get("/workflows", "Authorization", "Bearer " + TOKEN).status())
          .isEqualTo(200);
    }
  }

  @Test
  void anActorOtherThanThePrincipal_isRefused() {
    try (Fixture f = Fixture.start(b -> b.authenticator(Authenticator.bearerToken(TOKEN, "ops")))) {
      Http.Response r =
          f.http.post(
              "/runs",
              "{\"workflow\": \"research\", \"trigger_id\": \"t\","
                  + " \"trigger_source\": \"ui\", \"actor\": \"mallory\"}",
              "Authorization",
              "Bearer " + TOKEN);
      JsonNode p = assertValidation(r, "actor");
      assertThat(p.path("detail").asText()).contains("ops");
      assertThat(f.orchestrator.list(RunQuery.all()).runs()).isEmpty();
    }
  }

  @Test
  void theViewerPage_isServedWithoutCredentials() {
    try (Fixture f = Fixture.start(b -> b.authenticator(r -> Optional.empty()))) {
      assertThat(f.http.get("/").status()).isEqualTo(200);
      assertThat(f.http.get("/viewer/app.js").status()).isEqualTo(200);
    }
  }

  @Test
  void aSessionCookieAuthenticator_seesTheRequest() {
    Authenticator sessions =
        r -> r.cookie("session").filter("s-42"::equals).map(s -> "ada@" + r.method());
    try (Fixture f = Fixture.start(b -> b.authenticator(sessions))) {
      Http.Response r =
          f.http.post("/runs", Fixture.startBody("research"), "Cookie", "theme=dark; session=s-42");
      assertThat(r.status()).as(r.text()).isEqualTo(201);
      assertThat(r.json().path("record").path("trigger").path("actor").asText())
          .isEqualTo("ada@POST");
      assertProblem(f.http.get("/runs", "Cookie", "session=s-41"), 401, "unauthorized");
    }
  }

  @Test
  void anAuthenticatorThatThrowsOrReturnsABadPrincipal_is500WithAnIncident() {
    try (Fixture f =
        Fixture.start(
            b ->
                b.authenticator(
                    r -> {
                      throw new IllegalStateException("session store down");
                    }))) {
      JsonNode p = assertProblem(f.http.get("/runs"), 500, "internal");
      assertThat(p.path("incident").asText()).isNotBlank();
      assertThat(p.path("detail").asText()).doesNotContain("session store down");
    }
    try (Fixture f = Fixture.start(b -> b.authenticator(r -> Optional.of(" ")))) {
      assertProblem(f.http.get("/runs"), 500, "internal");
    }
  }

  @Test
  void bearerToken_refusesShortTokensAndBlankPrincipals() {
    assertThatThrownBy(() -> Authenticator.bearerToken("short", "ops"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("16 characters");
    assertThatThrownBy(() -> Authenticator.bearerToken(TOKEN, " "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("principal");
  }
}
