package dev.runs.internal.orchestrator;

import dev.runs.OrchestratorListener;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host's {@link OrchestratorListener}s: calls each, and keeps a listener's failure from
 * reaching the run (the first failure is logged as a warning, later ones at debug). Thread-safe:
 * executions on many threads call it at once; the listeners themselves must be thread-safe.
 */
final class Listeners {
  private static final Logger log = LoggerFactory.getLogger(Listeners.class);

  private final List<OrchestratorListener> listeners;
  private final AtomicBoolean warned = new AtomicBoolean();

  Listeners(List<OrchestratorListener> listeners) {
    this.listeners = List.copyOf(listeners);
  }

  /** Calls {@code call} with every listener, in registration order. */
  void notify(Consumer<OrchestratorListener> call) {
    for (OrchestratorListener l : listeners) {
      try {
        call.accept(l);
      } catch (RuntimeException e) {
        if (warned.compareAndSet(false, true)) {
          log.warn("orchestrator listener {} failed (further failures are logged at debug)", l, e);
        } else {
          log.debug("orchestrator listener {} failed", l, e);
        }
      }
    }
  }
}
