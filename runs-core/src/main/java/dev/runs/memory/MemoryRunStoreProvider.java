package dev.runs.memory;

import dev.runs.RunStore;
import dev.runs.internal.MemoryEngine;
import dev.runs.spi.RunStoreFactory;
import dev.runs.spi.RunStoreProvider;
import dev.runs.spi.StoreLocation;
import java.util.Set;

/**
 * The {@code memory:} store: thread-safe, private to each {@code open}, gone on close. The default
 * for tests. It accepts no URI parameters.
 */
public final class MemoryRunStoreProvider implements RunStoreProvider {
  /** Creates the provider; no work happens here. */
  public MemoryRunStoreProvider() {}

  @Override
  public String scheme() {
    return "memory";
  }

  @Override
  public RunStore open(StoreLocation location) {
    return RunStoreFactory.open(
        location,
        l -> {
          l.requireKnownParameters(Set.of());
          return new MemoryEngine(l.redacted());
        });
  }
}
