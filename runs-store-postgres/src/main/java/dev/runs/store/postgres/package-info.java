/**
 * The {@code postgres:} store for several host instances sharing one PostgreSQL database: runs,
 * events, stages, leases and documents in their own schema, appends serialized per run by a row
 * lock, changes by other instances announced with {@code LISTEN/NOTIFY}. Only {@link
 * dev.runs.store.postgres.PostgresRunStoreProvider} (and its {@code postgresql:} alias) is public;
 * the engine, the connection pool and the migrations are package-private.
 */
@NullMarked
package dev.runs.store.postgres;

import org.jspecify.annotations.NullMarked;
