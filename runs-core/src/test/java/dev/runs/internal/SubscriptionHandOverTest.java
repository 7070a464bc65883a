package dev.runs.internal;

import static dev.runs.testsupport.TestRuns.startedRun;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.ExpectedSequence;
import dev.runs.Payload;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.SlowSubscriberException;
import dev.runs.SubscribeOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

final class SubscriptionHandOverTest {
  /** Records sequences; checks order on the fly. */
  static final class Recorder implements Flow.Subscriber<RunEvent> {
    final long after;
    final long batch;
    final List<Long> seen = new ArrayList<>();
    final CountDownLatch done = new CountDownLatch(1);
    final AtomicReference<Throwable> error = new AtomicReference<>();
    Flow.Subscription sub;
    long outstanding;

    Recorder(long after, long batch) {
      this.after = after;
      this.batch = batch;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      sub = s;
      outstanding = batch;
      s.request(batch);
    }

    @Override
    public void onNext(RunEvent e) {
      seen.add(e.sequence());
      if (--outstanding == 0) {
        outstanding = batch;
        sub.request(batch);
      }
    }

    @Override
    public void onError(Throwable t) {
      error.set(t);
      done.countDown();
    }

    @Override
    public void onComplete() {
      done.countDown();
    }
  }

  @Test
  @Timeout(180)
  void subscribersJoiningDuringFullSpeedWrites_getEveryLaterEventOnceInOrder() throws Exception {
    int total = 100_000;
    try (RunStore store = RunStores.memory()) {
      RunId id = startedRun(store);
      AtomicLong head = new AtomicLong(2);
      CompletableFuture<Void> writer =
          CompletableFuture.runAsync(
              () -> {
                List<CompletableFuture<List<RunEvent>>> inFlight = new ArrayList<>();
                for (int i = 0; i < total; i += 50) {
                  List<EventDraft> batch = new ArrayList<>(50);
                  for (int j = 0; j < 50; j++) {
                    batch.add(
                        EventDraft.of(
                            EventTypes.CONSOLE_LINE,
                            Payload.of(Map.of("stream", "stdout", "text", "e" + (i + j)))));
                  }
                  inFlight.add(
                      store
                          .appendAsync(id, batch, ExpectedSequence.any())
                          .whenComplete(
                              (r, t) -> {
                                if (r != null) {
                                  head.accumulateAndGet(r.get(r.size() - 1).sequence(), Math::max);
                                }
                              }));
                  if (inFlight.size() >= 64) {
                    inFlight.remove(0).join();
                  }
                }
                inFlight.forEach(CompletableFuture::join);
                store.append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
              });

      Random random = new Random(42);
      List<Recorder> recorders = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        long after = (long) (random.nextDouble() * head.get());
        Recorder r = new Recorder(after, 1 + random.nextInt(500));
        store
            .subscribe(id, after, SubscribeOptions.defaults().withBufferSize(1_000_000))
            .subscribe(r);
        recorders.add(r);
        if (i % 5 == 0) {
          Thread.onSpinWait();
        }
      }
      writer.get(120, TimeUnit.SECONDS);
      long last = total + 3L;
      for (Recorder r : recorders) {
        assertThat(r.done.await(60, TimeUnit.SECONDS))
            .as("subscriber after %d finished", r.after)
            .isTrue();
        assertThat(r.error.get()).isNull();
        assertThat(r.seen).as("subscriber after %d", r.after).hasSize((int) (last - r.after));
        for (int k = 0; k < r.seen.size(); k++) {
          if (r.seen.get(k) != r.after + 1 + k) {
            throw new AssertionError(
                "subscriber after "
                    + r.after
                    + " got "
                    + r.seen.get(k)
                    + " at position "
                    + k
                    + " instead of "
                    + (r.after + 1 + k));
          }
        }
      }
    }
  }

  @Test
  @Timeout(60)
  void stalledSubscriber_isEndedWithResumePoint_andResumingFromItHasNoGap() throws Exception {
    try (RunStore store = RunStores.memory()) {
      RunId id = startedRun(store);
      Recorder stalled = new Recorder(0, 3);
      Recorder healthy = new Recorder(0, Long.MAX_VALUE);
      store
          .subscribe(id, 0, SubscribeOptions.defaults().withBufferSize(100))
          .subscribe(
              new Flow.Subscriber<>() {
                @Override
                public void onSubscribe(Flow.Subscription s) {
                  stalled.sub = s;
                  s.request(3);
                }

                @Override
                public void onNext(RunEvent e) {
                  stalled.seen.add(e.sequence());
                }

                @Override
                public void onError(Throwable t) {
                  stalled.error.set(t);
                  stalled.done.countDown();
                }

                @Override
                public void onComplete() {
                  stalled.done.countDown();
                }
              });
      store.subscribe(id, 0).subscribe(healthy);
      for (int i = 0; i < 1000; i++) {
        store.append(
            id,
            EventDraft.of(
                EventTypes.CONSOLE_LINE, Payload.of(Map.of("stream", "stdout", "text", "x"))));
      }
      assertThat(stalled.done.await(30, TimeUnit.SECONDS)).isTrue();
      assertThat(stalled.error.get()).isInstanceOf(SlowSubscriberException.class);
      long resumeAfter = ((SlowSubscriberException) stalled.error.get()).lastDeliveredSequence();
      assertThat(resumeAfter).isEqualTo(3);
      assertThat(stalled.seen).containsExactly(1L, 2L, 3L);

      store.append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
      Recorder again = new Recorder(resumeAfter, 64);
      store.subscribe(id, resumeAfter).subscribe(again);
      assertThat(again.done.await(30, TimeUnit.SECONDS)).isTrue();
      assertThat(again.seen).hasSize(1003 - 3).startsWith(4L).endsWith(1003L);
      assertThat(healthy.done.await(30, TimeUnit.SECONDS)).isTrue();
      assertThat(healthy.seen).hasSize(1003);
    }
  }
}
