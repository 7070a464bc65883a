package dev.runs.http;

import static dev.runs.http.ProblemAssert.assertValidation;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.RunId;
import dev.runs.RunStatus;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code GET /runs/{id}/events} with {@code Accept: text/event-stream}, and {@code POST
 * /runs?stream=true}.
 */
@Timeout(60)
final class SseStreamTest {
  private static final Duration WAIT = Duration.ofSeconds(15);

  private Fixture f;

  @BeforeEach
  void start() {
    f = Fixture.start(b -> b.heartbeatInterval(Duration.ofMillis(100)));
  }

  @AfterEach
  void stop() {
    f.close();
  }

  /** Reads messages (skipping comments) until the end event, which is returned last. */
  private static List<Http.Message> readToEnd(Http.Sse sse) {
    List<Http.Message> out = new ArrayList<>();
    while (true) {
      Http.Message m = sse.nextMessage(WAIT);
      assertThat(m.eof()).as("the stream ended before its end event; got " + out.size()).isFalse();
      out.add(m);
      if (m.event().equals("end")) {
        return out;
      }
    }
  }

  private static List<Long> sequences(List<Http.Message> messages) {
    return messages.stream()
        .filter(m -> m.event().equals("message"))
        .map(Http.Message::sequence)
        .collect(Collectors.toList());
  }

  private List<Long> allSequences(RunId id) {
    return LongStream.rangeClosed(1, f.orchestrator.state(id).lastSequence())
        .boxed()
        .collect(Collectors.toList());
  }

  @Test
  void sse_finishedRun_sendsEveryEventWithItsSequenceAsId_thenEnd_thenCloses() {
    RunId id = f.startRun("research");
    f.awaitTerminal(id);
    try (Http.Sse sse = f.http.sse(Fixture.path(id) + "/events")) {
      assertThat(sse.status()).isEqualTo(200);
      assertThat(sse.headers().firstValue("Content-Type").orElseThrow())
          .startsWith("text/event-stream");
      assertThat(sse.headers().firstValue("Cache-Control")).contains("no-store");
      List<Http.Message> got = readToEnd(sse);
      assertThat(sequences(got)).isEqualTo(allSequences(id));
      for (Http.Message m : got.subList(0, got.size() - 1)) {
        JsonNode e = m.json();
        assertThat(e.path("schema").asText()).isEqualTo("runs.event/1");
        assertThat(e.path("sequence").asLong()).isEqualTo(m.sequence());
      }
      assertThat(got.get(got.size() - 2).json().path("type").asText()).isEqualTo("run.completed");
      JsonNode end = got.get(got.size() - 1).json();
      assertThat(end.path("status").asText()).isEqualTo("completed");
      assertThat(end.path("last_sequence").asLong())
          .isEqualTo(f.orchestrator.state(id).lastSequence());
      assertThat(sse.nextMessage(WAIT).eof())
          .as("the server closes the stream after the end event")
          .isTrue();
    }
  }

  @Test
  void sse_disconnectMidRun_thenReconnectWithLastEventId_noGapNoDuplicate() {
    RunId id = f.startRun("gated");
    List<Long> seen = new ArrayList<>();
    long lastId;
    try (Http.Sse sse = f.http.sse(Fixture.path(id) + "/events")) {
      // read until the run waits at its gate (step.started of "wait"), then drop the connection
      while (true) {
        Http.Message m = sse.nextMessage(WAIT);
        seen.add(m.sequence());
        JsonNode e = m.json();
        if (e.path("type").asText().equals("step.started")) {
          break;
        }
      }
      lastId = seen.get(seen.size() - 1);
    }
    // the run goes on while nobody listens
    f.gate.release();
    assertThat(f.awaitTerminal(id)).isEqualTo(RunStatus.COMPLETED);
    Waits.until(
        () -> (f.server.address() != null && openStreams() == 0) ? true : null,
        WAIT,
        "the server to notice the disconnect");
    try (Http.Sse sse =
        f.http.sse(Fixture.path(id) + "/events", "Last-Event-ID", Long.toString(lastId))) {
      List<Http.Message> rest = readToEnd(sse);
      List<Long> after = sequences(rest);
      assertThat(after.get(0)).isEqualTo(lastId + 1);
      seen.addAll(after);
    }
    assertThat(seen).isEqualTo(allSequences(id));
  }

  @Test
  void sse_reconnectWhileTheRunIsStillLive_continuesLive() {
    RunId id = f.startRun("gated");
    long lastId;
    try (Http.Sse sse = f.http.sse(Fixture.path(id) + "/events")) {
      lastId = sse.nextMessage(WAIT).sequence();
    }
    try (Http.Sse sse =
        f.http.sse(Fixture.path(id) + "/events", "Last-Event-ID", Long.toString(lastId))) {
      Http.Message next = sse.nextMessage(WAIT);
      assertThat(next.sequence()).isEqualTo(lastId + 1);
      Waits.until(
          () -> "wait".equals(f.orchestrator.state(id).currentStep().orElse(null)) ? true : null,
          WAIT,
          "the run to wait at the gate");
      f.gate.release();
      List<Long> got = new ArrayList<>(List.of(next.sequence()));
      got.addAll(sequences(readToEnd(sse)));
      assertThat(got)
          .isEqualTo(
              LongStream.rangeClosed(lastId + 1, f.orchestrator.state(id).lastSequence())
                  .boxed()
                  .collect(Collectors.toList()));
    }
  }

  @Test
  void sse_quietRun_getsCommentHeartbeats() {
    RunId id = f.startRun("gated");
    try (Http.Sse sse = f.http.sse(Fixture.path(id) + "/events")) {
      int comments = 0;
      while (comments < 2) {
        Http.Message m = sse.next(WAIT);
        assertThat(m.eof()).isFalse();
        if (m.comment().isPresent()) {
          assertThat(m.comment().get()).isEqualTo("keep-alive");
          comments++;
        }
      }
    }
  }

  @Test
  void sse_lastEventIdAtTheTerminalEvent_endsAtOnce() {
    RunId id = f.startRun("research");
    f.awaitTerminal(id);
    long last = f.orchestrator.state(id).lastSequence();
    try (Http.Sse sse =
        f.http.sse(Fixture.path(id) + "/events", "Last-Event-ID", Long.toString(last))) {
      Http.Message m = sse.nextMessage(WAIT);
      assertThat(m.event()).isEqualTo("end");
      assertThat(sse.nextMessage(WAIT).eof()).isTrue();
    }
  }

  @Test
  void sse_afterParameter_startsAfterIt_andLastEventIdWins() {
    RunId id = f.startRun("research");
    f.awaitTerminal(id);
    try (Http.Sse sse = f.http.sse(Fixture.path(id) + "/events?after=10")) {
      assertThat(sse.nextMessage(WAIT).sequence()).isEqualTo(11);
    }
    try (Http.Sse sse = f.http.sse(Fixture.path(id) + "/events?after=10", "Last-Event-ID", "20")) {
      assertThat(sse.nextMessage(WAIT).sequence()).isEqualTo(21);
    }
  }

  @Test
  void sse_runResumedAfterFailing_streamsPastTheFirstTerminalEventToTheEnd() {
    RunId id = f.startRun("flaky");
    assertThat(f.awaitTerminal(id)).isEqualTo(RunStatus.FAILED);
    assertThat(f.http.post(Fixture.path(id) + "/resume", Fixture.triggerBody()).status())
        .isEqualTo(200);
    assertThat(f.awaitTerminal(id)).isEqualTo(RunStatus.COMPLETED);
    try (Http.Sse sse = f.http.sse(Fixture.path(id) + "/events")) {
      List<Http.Message> got = readToEnd(sse);
      assertThat(sequences(got)).isEqualTo(allSequences(id));
      assertThat(got.get(got.size() - 1).json().path("status").asText()).isEqualTo("completed");
    }
  }

  @Test
  void sse_badLastEventIdOrLimit_isRefused() {
    RunId id = f.startRun("research");
    f.awaitTerminal(id);
    assertValidation(
        f.http.get(
            Fixture.path(id) + "/events", "Accept", "text/event-stream", "Last-Event-ID", "abc"),
        "Last-Event-ID");
    assertValidation(
        f.http.get(
            Fixture.path(id) + "/events", "Accept", "text/event-stream", "Last-Event-ID", "-4"),
        "Last-Event-ID");
    assertValidation(
        f.http.get(Fixture.path(id) + "/events?limit=3", "Accept", "text/event-stream"), "limit");
  }

  @Test
  void postRunsWithStream_createsTheRunAndStreamsItToTheEnd() {
    HttpRequest req =
        f.http
            .request("/runs?stream=true", "Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(Fixture.startBody("research")))
            .build();
    try (Http.Sse sse = f.http.sse(req)) {
      assertThat(sse.status()).isEqualTo(201);
      String location = sse.headers().firstValue("Location").orElseThrow();
      assertThat(sse.headers().firstValue("Content-Type").orElseThrow())
          .startsWith("text/event-stream");
      List<Http.Message> got = readToEnd(sse);
      RunId id = RunId.of(got.get(0).json().path("run_id").asText());
      assertThat(location).isEqualTo(Fixture.path(id));
      assertThat(got.get(0).json().path("type").asText()).isEqualTo("run.created");
      assertThat(sequences(got)).isEqualTo(allSequences(id));
    }
  }

  @Test
  void closingTheServer_endsOpenStreams() {
    RunId id = f.startRun("gated");
    try (Http.Sse sse = f.http.sse(Fixture.path(id) + "/events")) {
      assertThat(sse.nextMessage(WAIT).sequence()).isEqualTo(1);
      f.server.close();
      Waits.until(
          () -> {
            Http.Message m = sse.next(WAIT);
            return m.eof() ? true : null;
          },
          WAIT,
          "the stream to close");
    }
  }

  private int openStreams() {
    return f.server.openStreamCount();
  }
}
