package dev.runs.internal;

import static dev.runs.testsupport.TestRuns.line;
import static dev.runs.testsupport.TestRuns.startedRun;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.StoreObserver;
import dev.runs.SubscriptionView;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** The subscription hub tells store observers of each subscription once as it opens and closes. */
final class SubscriptionObserverTest {

  /** Records opened and closed views. */
  static final class Seen implements StoreObserver {
    final List<SubscriptionView> opened = new CopyOnWriteArrayList<>();
    final List<SubscriptionView> closed = new CopyOnWriteArrayList<>();

    @Override
    public void subscriptionOpened(SubscriptionView subscription) {
      opened.add(subscription);
    }

    @Override
    public void subscriptionClosed(SubscriptionView subscription) {
      closed.add(subscription);
    }
  }

  /** Takes nothing until asked. */
  static final class Idle implements Flow.Subscriber<RunEvent> {
    final AtomicReference<Flow.Subscription> subscription = new AtomicReference<>();

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription.set(s);
    }

    @Override
    public void onNext(RunEvent item) {}

    @Override
    public void onError(Throwable throwable) {}

    @Override
    public void onComplete() {}
  }

  private static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.onSpinWait();
    }
  }

  @Test
  void subscribe_cancel_openedAndClosedOnceWithLag() {
    try (RunStore store = RunStores.open("memory:")) {
      Seen seen = new Seen();
      store.observe(seen);
      RunId id = startedRun(store);
      Idle idle = new Idle();
      store.subscribe(id, 0).subscribe(idle);
      assertThat(seen.opened).hasSize(1);
      SubscriptionView view = seen.opened.get(0);
      assertThat(view.runId()).isEqualTo(id);
      long head = store.entry(id).orElseThrow().lastSequence();
      assertThat(view.deliveredSequence()).isZero();
      assertThat(view.lag()).isEqualTo(head);
      store.append(id, List.of(line(1), line(2)));
      await("the lag counts the two new events", () -> view.lag() == head + 2);
      idle.subscription.get().request(Long.MAX_VALUE);
      await("the subscriber caught up", () -> view.lag() == 0);
      assertThat(view.deliveredSequence()).isEqualTo(head + 2);
      idle.subscription.get().cancel();
      idle.subscription.get().cancel(); // twice: still told once
      assertThat(seen.closed).containsExactly(view);
      assertThat(view.lag()).isZero(); // readable after the end
    }
  }

  @Test
  void subscribe_runCompletes_closedOnce() {
    try (RunStore store = RunStores.open("memory:")) {
      Seen seen = new Seen();
      store.observe(seen);
      RunId id = startedRun(store);
      Idle s = new Idle();
      store.subscribe(id, 0).subscribe(s);
      s.subscription.get().request(Long.MAX_VALUE);
      store.append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
      await("the completed subscription closed", () -> seen.closed.size() == 1);
      assertThat(seen.closed).containsExactlyElementsOf(seen.opened);
    }
  }

  @Test
  void close_store_closesEveryOpenSubscriptionOnce() {
    Seen seen = new Seen();
    RunStore store = RunStores.open("memory:");
    store.observe(seen);
    RunId a = startedRun(store);
    RunId b = startedRun(store);
    store.subscribe(a, 0).subscribe(new Idle());
    store.subscribe(a, 0).subscribe(new Idle());
    store.subscribe(b, 0).subscribe(new Idle());
    assertThat(seen.opened).hasSize(3);
    store.close();
    assertThat(seen.closed).containsExactlyInAnyOrderElementsOf(seen.opened);
  }

  @Test
  void observer_throwing_neverReachesTheSubscriber() {
    try (RunStore store = RunStores.open("memory:")) {
      store.observe(
          new StoreObserver() {
            @Override
            public void subscriptionOpened(SubscriptionView subscription) {
              throw new IllegalStateException("observer bug");
            }
          });
      Seen seen = new Seen();
      store.observe(seen);
      RunId id = startedRun(store);
      Idle s = new Idle();
      store.subscribe(id, 0).subscribe(s);
      assertThat(seen.opened).hasSize(1); // the next observer is still told
      s.subscription.get().request(Long.MAX_VALUE);
      store.append(id, List.of(line(1)));
      await("delivery goes on", () -> seen.opened.get(0).lag() == 0);
    }
  }
}
