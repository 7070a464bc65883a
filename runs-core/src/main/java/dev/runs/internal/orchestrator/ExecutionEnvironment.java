package dev.runs.internal.orchestrator;

import dev.runs.RunStore;
import java.time.Clock;
import java.util.Objects;

/**
 * What an {@link Execution} needs from the orchestrator that started it, and nothing more: the
 * store, the clock, this instance's lease owner id, the listeners, the builder of final events and
 * the callback told when an execution ends. Immutable; every part is thread-safe, so one
 * environment is shared by all executions of an orchestrator.
 *
 * @param store the store the run lives in
 * @param clock the orchestrator clock
 * @param instanceId this orchestrator's lease owner id, written as {@code owner}
 * @param listeners the host's listeners
 * @param terminals builds the payload of a run's final event
 * @param ended told once per execution when it ends
 */
record ExecutionEnvironment(
    RunStore store,
    Clock clock,
    String instanceId,
    Listeners listeners,
    TerminalPayloads terminals,
    ExecutionEnded ended) {

  /** The event source the orchestrator writes. */
  static final String SOURCE = "orchestrator";

  ExecutionEnvironment {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(instanceId, "instanceId");
    Objects.requireNonNull(listeners, "listeners");
    Objects.requireNonNull(terminals, "terminals");
    Objects.requireNonNull(ended, "ended");
  }
}
