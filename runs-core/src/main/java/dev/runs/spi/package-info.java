/**
 * The storage service-provider interface: what a store module implements. A module registers a
 * {@link dev.runs.spi.RunStoreProvider} for its URI scheme, implements a {@link
 * dev.runs.spi.StorageEngine} for its medium, and returns {@link
 * dev.runs.spi.RunStoreFactory#create} so the append path (validation, state machine, idempotency,
 * group commit) is the core's, the same for every store. Users of stores never need this package.
 */
package dev.runs.spi;
