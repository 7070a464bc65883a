package dev.runs.bench;

import dev.runs.EventCodec;
import dev.runs.EventDraft;
import dev.runs.EventId;
import dev.runs.EventType;
import dev.runs.HashChain;
import dev.runs.Payload;
import dev.runs.Redactor;
import dev.runs.RunEvent;
import dev.runs.RunId;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-event CPU steps of an append, one at a time, in nanoseconds per event: encoding the
 * envelope to UTF-8 bytes (what the file store writes), the hash chain link, the default redactor,
 * the payload tree the append checks its limits and rules on, and decoding a line back. Two
 * payloads: the 300-byte console line of the append benchmarks, and an agent-shaped model call
 * (nested messages, usage numbers, about 600 bytes).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class CodecBenchmark {

  /** One event of the chosen shape, its draft, and its canonical line. */
  @State(Scope.Thread)
  public static class Sample {
    @Param({"console", "agent"})
    String shape;

    EventDraft draft;
    RunEvent event;
    String line;
    byte[] utf8;
    StringBuilder text = new StringBuilder(1024);
    Redactor redactor = Redactor.defaults();

    @Setup
    public void make() {
      draft =
          shape.equals("console")
              ? Bench.EVENT
              : EventDraft.of(
                  EventType.of("x.bench.model_call"),
                  Payload.of(
                      Map.of(
                          "model",
                          "claude-sonnet",
                          "messages",
                          List.of(
                              Map.of("role", "system", "content", "You are a careful assistant."),
                              Map.of(
                                  "role",
                                  "user",
                                  "content",
                                  "Summarise the build log below and list the failing tests"
                                      + " with the first line of each error message.")),
                          "response",
                          Map.of(
                              "role",
                              "assistant",
                              "content",
                              "Two tests failed: CodecTest.roundTrip (expected 3 but was 4) and"
                                  + " StoreTest.append (timed out after 5 s)."),
                          "usage",
                          Map.of("input_tokens", 1532, "output_tokens", 87, "cost_usd", 0.0123),
                          "latency_ms",
                          842)));
      RunEvent e =
          new RunEvent(
              RunEvent.SCHEMA,
              EventId.random(),
              RunId.of("bench-run-0001"),
              42,
              draft.type(),
              Instant.parse("2026-12-06T10:00:00.123456Z"),
              Optional.empty(),
              OptionalInt.empty(),
              Optional.empty(),
              "runs",
              Optional.empty(),
              draft.payload(),
              Map.of());
      event = e.withHash(Optional.of(HashChain.link(HashChain.UNCHAINED, e)));
      line = EventCodec.encode(event);
      utf8 = line.getBytes(StandardCharsets.UTF_8);
    }
  }

  /** The line the file store writes: canonical text, then UTF-8. */
  @Benchmark
  public byte[] encodeUtf8(Sample s) {
    s.text.setLength(0);
    EventCodec.encodeTo(s.event, s.text);
    s.text.append('\n');
    return s.text.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** The hash chain link of a fresh event. */
  @Benchmark
  public String hashLink(Sample s) {
    return HashChain.link(HashChain.UNCHAINED, s.event);
  }

  /** The default redactor on a payload holding no secret. */
  @Benchmark
  public Payload redact(Sample s) {
    return s.redactor.redact(s.draft.payload());
  }

  /** The payload tree an append checks depth and taxonomy rules on. */
  @Benchmark
  public Object payloadTree(Sample s) {
    return s.draft.payload().toJsonNode();
  }

  /** Reading a line back. */
  @Benchmark
  public RunEvent decode(Sample s) {
    return EventCodec.decode(s.utf8);
  }
}
