/**
 * The storage service-provider interface: what a store module implements. A module registers a
 * {@link dev.runs.spi.RunStoreProvider} for its URI scheme, implements a {@link
 * dev.runs.spi.StorageEngine} for its medium, and opens it through {@link
 * dev.runs.spi.RunStoreFactory#open} so the append path (validation, state machine, idempotency,
 * group commit) is the core's, the same for every store. The rules every engine follows are here
 * too, written once: stage numbering ({@link dev.runs.spi.StageSlots}), stage file checks ({@link
 * dev.runs.spi.StageIntegrity}) and hashing ({@link dev.runs.spi.Sha256}). Users of stores never
 * need this package. One interface here is for hosts instead: {@link dev.runs.spi.WorkflowProvider}
 * hands a host's workflows to tools that run them, such as the {@code runs} command-line tool.
 */
@NullMarked
package dev.runs.spi;

import org.jspecify.annotations.NullMarked;
