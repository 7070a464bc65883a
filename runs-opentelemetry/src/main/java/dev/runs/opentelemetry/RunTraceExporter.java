package dev.runs.opentelemetry;

import dev.runs.EventStream;
import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import dev.runs.RunRecord;
import dev.runs.RunStore;
import dev.runs.opentelemetry.internal.Keys;
import dev.runs.opentelemetry.internal.LiveExport;
import dev.runs.opentelemetry.internal.SpanAssembler;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Turns runs into OpenTelemetry traces following the GenAI semantic conventions (version {@value
 * #SEMCONV_VERSION}): the run is the root span {@code invoke_workflow {workflow}}, phases and step
 * attempts are its children, model generations are {@code chat {model}} spans (the only spans with
 * token counts), tool calls {@code execute_tool {tool}}, agent turns {@code invoke_agent {agent}}
 * (a handoff links the new turn to the one it came from), guardrail checks {@code apply_guardrail
 * {name}}; checkpoints, console lines, errors and custom events become span events. Span times are
 * the events' times.
 *
 * <p>Two modes: {@link #export(RunId)} rebuilds a run's spans from its stored log, and {@link
 * #startLive()} exports spans as their end events commit, through a bounded queue that never blocks
 * or fails an append. Both fold the events the same way; with {@link RunSpanIds} in the SDK the ids
 * are derived from the run and event ids, so every export of a run gives the same trace. A run
 * whose record carries a {@link RunRecord#TRACEPARENT_LABEL traceparent} is parented there.
 *
 * <p>Content (tool arguments and results, model output, console text, custom payloads) is added
 * only with {@link Builder#captureContent(boolean)}, and is what the store kept: after its
 * redactor. The provider attribute follows {@code OTEL_SEMCONV_STABILITY_OPT_IN}: {@code
 * gen_ai.provider.name} when it lists {@code gen_ai_latest_experimental}, else the earlier {@code
 * gen_ai.system}.
 *
 * <p>Thread-safe. {@link #close()} stops the live mode; the store and the OpenTelemetry instance
 * stay the caller's.
 */
public final class RunTraceExporter implements AutoCloseable {
  /** The semantic conventions version followed. */
  public static final String SEMCONV_VERSION = Keys.SEMCONV_VERSION;

  /** The instrumentation scope name of the spans. */
  public static final String INSTRUMENTATION_NAME = "dev.runs.opentelemetry";

  private final RunStore store;
  private final Tracer tracer;
  private final SpanAssembler.Settings settings;
  private final int queueCapacity;
  private final int maxLiveRuns;
  private @Nullable LiveExport live;
  private boolean closed;

  private RunTraceExporter(Builder b) {
    this.store = b.store;
    this.tracer = b.openTelemetry.getTracer(INSTRUMENTATION_NAME);
    this.settings = new SpanAssembler.Settings(b.captureContent, latest(b.semconvOptIn));
    this.queueCapacity = b.queueCapacity;
    this.maxLiveRuns = b.maxLiveRuns;
  }

  private static boolean latest(@Nullable String optIn) {
    return optIn != null
        && Arrays.stream(optIn.split(",")).map(String::trim).anyMatch(Keys.LATEST_OPT_IN::equals);
  }

  /**
   * @param store the store runs are read from
   * @param openTelemetry where spans go
   * @return a builder
   */
  public static Builder builder(RunStore store, OpenTelemetry openTelemetry) {
    return new Builder(store, openTelemetry);
  }

  /**
   * Exports a run's spans from its stored log. Spans of a run still going are exported when they
   * have ended; the run's root span when the run has.
   *
   * @param runId the run
   * @return the number of events read
   * @throws RunNotFoundException when the store has no such run
   */
  public long export(RunId runId) {
    Objects.requireNonNull(runId, "runId");
    RunRecord record = store.get(runId).orElseThrow(() -> new RunNotFoundException(runId));
    SpanAssembler a = new SpanAssembler(tracer, record, settings);
    long n = 0;
    try (EventStream events = store.read(runId, 0)) {
      while (events.hasNext()) {
        a.accept(events.next());
        n++;
      }
    }
    return n;
  }

  /**
   * Starts exporting spans as events commit in the store. Idempotent.
   *
   * @return this exporter
   * @throws IllegalStateException when closed
   */
  public synchronized RunTraceExporter startLive() {
    if (closed) {
      throw new IllegalStateException("the trace exporter is closed");
    }
    if (live == null) {
      live = new LiveExport(store, tracer, settings, queueCapacity, maxLiveRuns);
    }
    return this;
  }

  /**
   * @return events the live queue was too full to take (their spans are rebuilt from the store when
   *     the run's next event is folded); 0 when not live
   */
  public synchronized long droppedEvents() {
    return live == null ? 0 : live.dropped();
  }

  /**
   * @return events the live mode has folded into spans; 0 when not live
   */
  public synchronized long liveEvents() {
    return live == null ? 0 : live.folded();
  }

  /**
   * The W3C {@code traceparent} of the current span, to record on a run started inside it: {@code
   * RunRequest.builder()...label(RunRecord.TRACEPARENT_LABEL, tp)}.
   *
   * @return the current span's traceparent; empty when no valid span is current
   */
  public static Optional<String> currentTraceparent() {
    SpanContext c = Span.fromContext(Context.current()).getSpanContext();
    if (!c.isValid()) {
      return Optional.empty();
    }
    return Optional.of(
        "00-" + c.getTraceId() + "-" + c.getSpanId() + "-" + c.getTraceFlags().asHex());
  }

  /** Stops the live mode, exporting what its queue holds first. Idempotent. */
  @Override
  public synchronized void close() {
    closed = true;
    if (live != null) {
      live.close();
      live = null;
    }
  }

  /** Builds a {@link RunTraceExporter}. Not thread-safe; each setter fails fast. */
  public static final class Builder {
    private final RunStore store;
    private final OpenTelemetry openTelemetry;
    private boolean captureContent;
    private int queueCapacity = 65_536;
    private int maxLiveRuns = 10_000;
    private @Nullable String semconvOptIn = System.getenv("OTEL_SEMCONV_STABILITY_OPT_IN");

    private Builder(RunStore store, OpenTelemetry openTelemetry) {
      this.store = Objects.requireNonNull(store, "store");
      this.openTelemetry = Objects.requireNonNull(openTelemetry, "openTelemetry");
    }

    /**
     * @param value whether content (tool arguments/results, model output, console text, custom
     *     payloads) is added to spans, as stored after the redactor (default false: it may hold
     *     personal data)
     * @return this builder
     */
    public Builder captureContent(boolean value) {
      this.captureContent = value;
      return this;
    }

    /**
     * @param value the live queue's capacity in events, 1 to 10,000,000 (default 65,536)
     * @return this builder
     */
    public Builder queueCapacity(int value) {
      if (value < 1 || value > 10_000_000) {
        throw new IllegalArgumentException(
            "queueCapacity must be 1 to 10,000,000 but was " + value);
      }
      this.queueCapacity = value;
      return this;
    }

    /**
     * @param value the most runs with open spans the live mode tracks, 1 to 1,000,000 (default
     *     10,000); beyond it the least recently active run's open spans are forgotten
     * @return this builder
     */
    public Builder maxLiveRuns(int value) {
      if (value < 1 || value > 1_000_000) {
        throw new IllegalArgumentException("maxLiveRuns must be 1 to 1,000,000 but was " + value);
      }
      this.maxLiveRuns = value;
      return this;
    }

    /**
     * @param value the {@code OTEL_SEMCONV_STABILITY_OPT_IN} value to honour (default: that
     *     environment variable); {@code gen_ai_latest_experimental} selects the latest conventions
     * @return this builder
     */
    public Builder semconvStabilityOptIn(String value) {
      this.semconvOptIn = Objects.requireNonNull(value, "value");
      return this;
    }

    /**
     * @return the exporter (not live until {@link RunTraceExporter#startLive()})
     */
    public RunTraceExporter build() {
      return new RunTraceExporter(this);
    }
  }
}
