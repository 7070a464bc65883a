/**
 * The {@code postgres:} store. Only the provider class is public; the engine and its helpers are
 * package-private.
 */
package dev.runs.store.postgres;
