/**
 * Runs core: the public API ({@code dev.runs}), the typed event payloads ({@code dev.runs.payload})
 * and the storage SPI ({@code dev.runs.spi}). Everything else (the default store, the orchestrator,
 * the codecs, the in-memory store) is implementation and not exported.
 *
 * <p>Jackson's tree model ({@code JsonNode}) appears in the API, so databind is required
 * transitively. Stores are found with {@link java.util.ServiceLoader} through {@link
 * dev.runs.spi.RunStoreProvider}; the in-memory store ({@code memory:}) is provided here, and is
 * also listed in {@code META-INF/services} for the class path.
 *
 * <p>Runs turns host records into JSON (payloads, step outputs) by reading their components. On the
 * module path, a host module exports or opens the packages of such records to {@code
 * dev.runs.core}; on the class path nothing is needed.
 */
module dev.runs.core {
  requires transitive com.fasterxml.jackson.databind;
  requires org.slf4j;
  // @NullMarked and @Nullable are read at compile time and by users' tools, nothing at run time;
  // transitive because the API's signatures carry them
  requires static transitive org.jspecify;

  exports dev.runs;
  exports dev.runs.payload;
  exports dev.runs.spi;

  uses dev.runs.spi.RunStoreProvider;

  provides dev.runs.spi.RunStoreProvider with
      dev.runs.memory.MemoryRunStoreProvider;
}
