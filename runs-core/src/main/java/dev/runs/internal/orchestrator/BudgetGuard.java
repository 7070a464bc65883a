package dev.runs.internal.orchestrator;

import dev.runs.BudgetExceededException;
import dev.runs.EventDraft;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.payload.BudgetExceeded;
import dev.runs.payload.TokenUsage;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One execution's budget: adds the usage of model generations recorded during it to the run's
 * totals, and on the first limit crossed writes {@code budget.exceeded} once and remembers the
 * failure, which every later check throws again. Thread-safe: the meter is synchronized, the
 * failure is volatile and set under this object's lock.
 */
final class BudgetGuard {
  private final RunId runId;
  private final BudgetMeter meter;
  private final Clock clock;
  private final Instant startedAt;
  private final long startSequence;
  private final int execution;
  private final EventScope events;
  private volatile @Nullable BudgetExceededException failure;

  /**
   * @param meter the run's totals when this execution started
   * @param startedAt when this execution started, for the wall-time limit
   * @param startSequence the run's last sequence when this execution started
   * @param execution this execution's number, for the event's idempotency key
   */
  BudgetGuard(
      RunId runId,
      BudgetMeter meter,
      Clock clock,
      Instant startedAt,
      long startSequence,
      int execution,
      EventScope events) {
    this.runId = Objects.requireNonNull(runId, "runId");
    this.meter = Objects.requireNonNull(meter, "meter");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.startedAt = Objects.requireNonNull(startedAt, "startedAt");
    this.startSequence = startSequence;
    this.execution = execution;
    this.events = Objects.requireNonNull(events, "events");
  }

  /**
   * @return the failure once a limit was crossed, or {@code null}
   */
  @Nullable BudgetExceededException failure() {
    return failure;
  }

  /**
   * Throws the earlier failure, or checks the limits now.
   *
   * @throws BudgetExceededException when a limit is crossed
   */
  void throwIfExceeded() {
    BudgetExceededException f = failure;
    if (f != null) {
      throw f;
    }
    check();
  }

  /**
   * Checks the limits now.
   *
   * @throws BudgetExceededException when a limit is crossed
   */
  void check() {
    Optional<BudgetMeter.Exceeded> x = meter.check(Duration.between(startedAt, clock.instant()));
    if (x.isPresent()) {
      throw exceed(x.get());
    }
  }

  /** Adds a completed generation's usage, unless its event was written by an earlier execution. */
  void add(RunEvent completed, Optional<TokenUsage> usage, Optional<BigDecimal> cost) {
    if (completed.sequence() > startSequence) {
      TokenUsage u = usage.orElse(TokenUsage.of(0, 0));
      meter.add(u.inputTokens(), u.outputTokens(), cost.orElse(BigDecimal.ZERO));
    }
  }

  private synchronized BudgetExceededException exceed(BudgetMeter.Exceeded x) {
    BudgetExceededException earlier = failure;
    if (earlier != null) {
      return earlier;
    }
    BudgetExceeded payload =
        new BudgetExceeded(
            BudgetExceeded.Dimension.fromWireName(x.dimension()), x.limit(), x.actual());
    events.append(
        EventDraft.of(payload)
            .withSource(ExecutionEnvironment.SOURCE)
            .withIdempotencyKey(Keys.budget(x.dimension(), execution)));
    BudgetExceededException f =
        new BudgetExceededException(runId, x.dimension(), x.limit(), x.actual());
    failure = f;
    return f;
  }
}
