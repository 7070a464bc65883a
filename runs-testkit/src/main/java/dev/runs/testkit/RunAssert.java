package dev.runs.testkit;

import dev.runs.EventStream;
import dev.runs.EventType;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import dev.runs.RunState;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.AbstractAssert;
import org.assertj.core.api.Assertions;

/**
 * AssertJ assertions on one run in a store, for host application tests:
 *
 * <pre>{@code
 * RunAssertions.assertThatRun(store, runId)
 *     .hasStatus(RunStatus.COMPLETED)
 *     .hasEventTypesInOrder(
 *         "run.started", "tool.call.started", "tool.call.completed", "run.completed")
 *     .isGapless();
 * }</pre>
 *
 * Each assertion reads the run's log afresh, so it sees appends made after the assert was created.
 */
public final class RunAssert extends AbstractAssert<RunAssert, RunId> {
  private final RunStore store;

  RunAssert(RunStore store, RunId runId) {
    super(runId, RunAssert.class);
    this.store = store;
  }

  private List<RunEvent> events() {
    List<RunEvent> out = new ArrayList<>();
    try (EventStream s = store.read(actual, 0)) {
      s.forEachRemaining(out::add);
    } catch (RunNotFoundException e) {
      failWithMessage("Expected run <%s> to exist in %s but it does not", actual, store.location());
    }
    return out;
  }

  private static List<String> types(List<RunEvent> events) {
    List<String> out = new ArrayList<>();
    for (RunEvent e : events) {
      out.add(e.type().name());
    }
    return out;
  }

  /**
   * @param expected the status the run's events must fold to
   * @return this
   */
  public RunAssert hasStatus(RunStatus expected) {
    isNotNull();
    RunState state = store.state(actual);
    if (state.status() != expected) {
      failWithMessage(
          "Expected run <%s> to be %s but it is %s; its events are %s",
          actual, expected.wireName(), state.status().wireName(), types(events()));
    }
    return this;
  }

  /**
   * Checks the exact list of event types, in order.
   *
   * @param expected the types, e.g. {@code "run.created", "run.started", ...}
   * @return this
   */
  public RunAssert hasEventTypes(String... expected) {
    isNotNull();
    Assertions.assertThat(types(events()))
        .as("event types of run %s", actual)
        .containsExactly(expected);
    return this;
  }

  /**
   * Checks that these types occur in this order, other events allowed in between.
   *
   * @param expected the types in order
   * @return this
   */
  public RunAssert hasEventTypesInOrder(String... expected) {
    isNotNull();
    Assertions.assertThat(types(events()))
        .as("event types of run %s", actual)
        .containsSubsequence(expected);
    return this;
  }

  /**
   * @param type a type
   * @param count how many events of it the run must have
   * @return this
   */
  public RunAssert hasEventCount(EventType type, int count) {
    isNotNull();
    Assertions.assertThat(eventsOfType(type))
        .as("%s events of run %s", type, actual)
        .hasSize(count);
    return this;
  }

  /**
   * @param type a type the run must not have
   * @return this
   */
  public RunAssert hasNoEventOfType(EventType type) {
    return hasEventCount(type, 0);
  }

  /**
   * Checks that sequences are 1, 2, 3... without gap or duplicate.
   *
   * @return this
   */
  public RunAssert isGapless() {
    isNotNull();
    long expected = 1;
    for (RunEvent e : events()) {
      if (e.sequence() != expected) {
        failWithMessage(
            "Expected run <%s> to be gapless but found sequence %s where %s was due",
            actual, e.sequence(), expected);
      }
      expected++;
    }
    return this;
  }

  /**
   * @param type a type
   * @return the run's events of that type, in order
   */
  public List<RunEvent> eventsOfType(EventType type) {
    List<RunEvent> out = new ArrayList<>();
    for (RunEvent e : events()) {
      if (e.type().equals(type)) {
        out.add(e);
      }
    }
    return out;
  }
}
