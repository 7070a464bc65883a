package dev.runs.mcp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpServerTransport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/** Concurrent sends reach a transport that refuses concurrent emission, one at a time. */
@Timeout(60)
final class SerialSendProviderTest {
  private static final int THREADS = 8;
  private static final int PER_THREAD = 5_000;

  /** Like the SDK's stdio transport: a unicast sink that fails on a concurrent emission. */
  private static final class StrictTransport implements McpServerTransport {
    final Sinks.Many<McpSchema.JSONRPCMessage> sink = Sinks.many().unicast().onBackpressureBuffer();
    final AtomicInteger received = new AtomicInteger();
    final AtomicInteger refused = new AtomicInteger();

    StrictTransport() {
      sink.asFlux().subscribe(m -> received.incrementAndGet());
    }

    @Override
    public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message) {
      return Mono.defer(
          () -> {
            if (sink.tryEmitNext(message).isFailure()) {
              refused.incrementAndGet();
              return Mono.error(new IllegalStateException("concurrent emission"));
            }
            return Mono.empty();
          });
    }

    @Override
    public <T> T unmarshalFrom(Object data, TypeRef<T> type) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Mono<Void> closeGracefully() {
      return Mono.empty();
    }
  }

  private static int sendConcurrently(McpServerTransport t) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Integer>> futures = new ArrayList<>();
    for (int i = 0; i < THREADS; i++) {
      futures.add(
          pool.submit(
              () -> {
                go.await();
                int failed = 0;
                for (int n = 0; n < PER_THREAD; n++) {
                  McpSchema.JSONRPCNotification m =
                      new McpSchema.JSONRPCNotification(
                          McpSchema.JSONRPC_VERSION, "notifications/x", Map.of("n", n));
                  try {
                    t.sendMessage(m).block();
                  } catch (IllegalStateException e) {
                    failed++;
                  }
                }
                return failed;
              }));
    }
    go.countDown();
    int failed = 0;
    for (Future<Integer> f : futures) {
      failed += f.get();
    }
    pool.shutdown();
    assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    return failed;
  }

  @Test
  void serial_deliversEveryMessageOfConcurrentSenders() throws Exception {
    StrictTransport strict = new StrictTransport();
    int failed = sendConcurrently(new SerialSendProvider.Serial(strict));
    assertThat(failed).isZero();
    assertThat(strict.refused.get()).isZero();
    assertThat(strict.received.get()).isEqualTo(THREADS * PER_THREAD);
  }
}
