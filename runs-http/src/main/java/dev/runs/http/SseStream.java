package dev.runs.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.EventCodec;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import dev.runs.RunOrchestrator;
import dev.runs.RunState;
import dev.runs.SlowSubscriberException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Server-Sent Events stream of a run's events: catch-up from the store, then live, each event
 * as {@code id: <sequence>} and {@code data: <envelope JSON>}, comment heartbeats while nothing
 * happens, and after the run's terminal event a final {@code event: end} whose data holds the
 * status. A client that reconnects with {@code Last-Event-ID} continues right after that sequence.
 *
 * <p>The subscription is demand-driven: a handful of events are requested ahead and one more for
 * each event written, so a slow client never holds more than that in memory. When the store ends
 * the subscription early (a slow subscriber, or the run's first terminal event while it was later
 * resumed), the stream subscribes again after the last sequence it wrote.
 */
final class SseStream implements ApiResponse.StreamBody {
  private static final Logger log = LoggerFactory.getLogger(SseStream.class);

  private static final int PREFETCH = 64;
  private static final Object STOP = new Object();
  private static final byte[] HEARTBEAT = ": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII);

  private final RunOrchestrator orchestrator;
  private final RunId runId;
  private final long after;
  private final Duration heartbeat;
  private final Set<SseStream> open;
  private final LinkedBlockingQueue<Object> signals = new LinkedBlockingQueue<>();
  private final AtomicReference<Flow.Subscription> current = new AtomicReference<>();
  private int generation;

  /**
   * @param orchestrator where the events come from
   * @param runId the run
   * @param after the last sequence the client has, 0 for all
   * @param heartbeat how long to stay silent before a comment line
   * @param open the server's set of open streams, so that closing the server ends this one
   */
  SseStream(
      RunOrchestrator orchestrator,
      RunId runId,
      long after,
      Duration heartbeat,
      Set<SseStream> open) {
    this.orchestrator = orchestrator;
    this.runId = runId;
    this.after = after;
    this.heartbeat = heartbeat;
    this.open = open;
  }

  /** Ends the stream soon, from any thread (the server is closing). */
  void stop() {
    signals.add(STOP);
  }

  private record Item(int generation, RunEvent event) {}

  private record Done(int generation) {}

  private record Failed(int generation, Throwable error) {}

  @Override
  public void writeTo(ApiResponse.StreamSink sink) throws IOException {
    open.add(this);
    try {
      sink.write("retry: 2000\n\n".getBytes(StandardCharsets.US_ASCII));
      sink.flush();
      pump(sink);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      open.remove(this);
      cancelCurrent();
    }
  }

  private void pump(ApiResponse.StreamSink sink) throws IOException, InterruptedException {
    long delivered = after;
    subscribe(delivered);
    long heartbeatMillis = Math.max(1, heartbeat.toMillis());
    while (true) {
      Object s = signals.poll(heartbeatMillis, TimeUnit.MILLISECONDS);
      if (s == null) {
        sink.write(HEARTBEAT);
        sink.flush();
        continue;
      }
      if (s == STOP) {
        return;
      }
      if (s instanceof Item item) {
        if (item.generation() != generation || item.event().sequence() <= delivered) {
          continue;
        }
        writeEvent(sink, item.event());
        delivered = item.event().sequence();
        Flow.Subscription sub = current.get();
        if (sub != null) {
          sub.request(1);
        }
        if (signals.isEmpty()) {
          sink.flush();
        }
      } else if (s instanceof Done done) {
        if (done.generation() != generation) {
          continue;
        }
        if (orchestrator.events(runId, delivered, 1).isEmpty()) {
          writeEnd(sink, delivered);
          return;
        }
        log.debug(
            "run {} - SSE subscription ended at {} but the run went on; subscribing again",
            runId,
            delivered);
        subscribe(delivered);
      } else if (s instanceof Failed failed) {
        if (failed.generation() != generation) {
          continue;
        }
        Throwable error = failed.error();
        if (error instanceof SlowSubscriberException) {
          log.debug(
              "run {} - SSE subscription fell behind at {}; subscribing again", runId, delivered);
          subscribe(delivered);
        } else if (error instanceof RunNotFoundException) {
          writeEnd(sink, delivered);
          return;
        } else {
          log.warn(
              "run {} - SSE stream ends after sequence {}: {}", runId, delivered, error.toString());
          ObjectNode data = Json.object();
          data.put("run_id", runId.value());
          data.put("last_sequence", delivered);
          data.put("detail", String.valueOf(error.getMessage()));
          sink.write(
              ("event: error\ndata: " + Json.text(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
          sink.flush();
          return;
        }
      }
    }
  }

  private void subscribe(long from) {
    cancelCurrent();
    int gen = ++generation;
    orchestrator
        .subscribe(runId, from)
        .subscribe(
            new Flow.Subscriber<>() {
              @Override
              public void onSubscribe(Flow.Subscription subscription) {
                current.set(subscription);
                subscription.request(PREFETCH);
              }

              @Override
              public void onNext(RunEvent item) {
                signals.add(new Item(gen, item));
              }

              @Override
              public void onError(Throwable throwable) {
                signals.add(new Failed(gen, throwable));
              }

              @Override
              public void onComplete() {
                signals.add(new Done(gen));
              }
            });
  }

  private void cancelCurrent() {
    Flow.Subscription sub = current.getAndSet(null);
    if (sub != null) {
      sub.cancel();
    }
  }

  private static void writeEvent(ApiResponse.StreamSink sink, RunEvent e) throws IOException {
    StringBuilder b = new StringBuilder(256);
    b.append("id: ").append(e.sequence()).append('\n');
    for (String line : EventCodec.encode(e).split("\r\n|\r|\n", -1)) {
      b.append("data: ").append(line).append('\n');
    }
    b.append('\n');
    sink.write(b.toString().getBytes(StandardCharsets.UTF_8));
  }

  private void writeEnd(ApiResponse.StreamSink sink, long delivered) throws IOException {
    ObjectNode data = Json.object();
    data.put("run_id", runId.value());
    try {
      RunState state = orchestrator.state(runId);
      data.put("status", state.status().wireName());
      data.put("last_sequence", state.lastSequence());
    } catch (RunNotFoundException e) {
      data.put("last_sequence", delivered);
    }
    sink.write(("event: end\ndata: " + Json.text(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
    sink.flush();
  }
}
