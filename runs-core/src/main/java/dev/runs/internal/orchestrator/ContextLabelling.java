package dev.runs.internal.orchestrator;

import dev.runs.ConfigSnapshot;
import dev.runs.RunRecord;
import dev.runs.Trigger;
import dev.runs.ValidationException;
import dev.runs.WorkflowRef;
import dev.runs.spi.ContextLabels;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ContextLabels} of an orchestrator, applied to each new run's record: a label the
 * request names wins, and a label the record would refuse is logged and left out, so a context
 * label never stops a run from starting. Sources are asked in their order and each source's labels
 * taken in key order, so when the record's label limit is reached, the labels left out are always
 * the same: the later sources' and, within a source, the greater keys. Thread-safe: the sources
 * are, and this holds no state.
 */
final class ContextLabelling {
  private static final Logger log = LoggerFactory.getLogger(ContextLabelling.class);

  private static final WorkflowRef PROBE_WORKFLOW = WorkflowRef.of("context-labels", "0");

  private final List<ContextLabels> sources;

  /**
   * @param sources the sources, asked in this order
   */
  ContextLabelling(List<ContextLabels> sources) {
    this.sources = List.copyOf(sources);
  }

  /**
   * Finds the sources on the class path through {@link ServiceLoader}; one that cannot be loaded is
   * logged and skipped.
   *
   * @param loader where to look
   * @return the sources found
   */
  static List<ContextLabels> discover(ClassLoader loader) {
    List<ContextLabels> found = new ArrayList<>();
    var it = ServiceLoader.load(ContextLabels.class, loader).iterator();
    while (true) {
      try {
        if (!it.hasNext()) {
          return found;
        }
        found.add(it.next());
      } catch (ServiceConfigurationError e) {
        log.warn("a context label source cannot be loaded and is skipped: {}", e.toString());
      }
    }
  }

  /**
   * Adds the context's labels to a record being built.
   *
   * @param requested the labels the request names (never replaced)
   * @param b the builder, which has the requested labels already
   * @param workflow the run's workflow, for messages
   * @param trigger the run's trigger, to check each label on a record of its own
   */
  void apply(
      Map<String, String> requested, RunRecord.Builder b, WorkflowRef workflow, Trigger trigger) {
    if (sources.isEmpty()) {
      return;
    }
    Map<String, String> added = new LinkedHashMap<>();
    for (ContextLabels source : sources) {
      Map<String, String> labels;
      try {
        // no null map, key or value; in key order, so which labels fit under the limit is defined
        labels = new TreeMap<>(Map.copyOf(source.labels()));
      } catch (RuntimeException e) {
        log.warn(
            "context labels of {} left out for a run of {}: {}",
            source.getClass().getName(),
            workflow,
            e.toString());
        continue;
      }
      labels.forEach(
          (k, v) -> {
            if (!requested.containsKey(k) && !added.containsKey(k) && fits(k, v, trigger)) {
              if (requested.size() + added.size() >= RunRecord.MAX_LABELS) {
                log.warn(
                    "context label {} of {} for a run of {} left out: the run has {} labels"
                        + " already",
                    k,
                    source.getClass().getName(),
                    workflow,
                    RunRecord.MAX_LABELS);
              } else {
                added.put(k, v);
              }
            }
          });
    }
    added.forEach(b::label);
  }

  /** Whether a record accepts the label, checked on a record holding it alone. */
  private static boolean fits(String key, String value, Trigger trigger) {
    try {
      RunRecord.builder(PROBE_WORKFLOW, ConfigSnapshot.empty(), trigger).label(key, value).build();
      return true;
    } catch (ValidationException | NullPointerException e) {
      log.warn("context label {} left out: {}", key, e.getMessage());
      return false;
    }
  }
}
