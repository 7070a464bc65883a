package dev.runs.testkit;

import dev.runs.EventStream;
import dev.runs.EventType;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Entry points for assertions on runs in host tests. */
public final class RunAssertions {
  private RunAssertions() {}

  /**
   * @param store the store holding the run
   * @param runId the run
   * @return assertions on the run
   */
  public static RunAssert assertThatRun(RunStore store, RunId runId) {
    return new RunAssert(Objects.requireNonNull(store, "store"), runId);
  }

  /**
   * @param store the store
   * @param runId the run
   * @return all its events in order
   */
  public static List<RunEvent> events(RunStore store, RunId runId) {
    List<RunEvent> out = new ArrayList<>();
    try (EventStream s = store.read(runId, 0)) {
      s.forEachRemaining(out::add);
    }
    return out;
  }

  /**
   * @param store the store
   * @param runId the run
   * @param type the type
   * @return the run's events of that type, in order
   */
  public static List<RunEvent> eventsOfType(RunStore store, RunId runId, EventType type) {
    List<RunEvent> out = new ArrayList<>();
    for (RunEvent e : events(store, runId)) {
      if (e.type().equals(type)) {
        out.add(e);
      }
    }
    return out;
  }

  /**
   * @param store the store
   * @param runId the run
   * @return the run's event type names in order
   */
  public static List<String> eventTypes(RunStore store, RunId runId) {
    List<String> out = new ArrayList<>();
    for (RunEvent e : events(store, runId)) {
      out.add(e.type().name());
    }
    return out;
  }
}
