/**
 * The {@code sqlite:} store. Only the provider class is public; the engine and its helpers are
 * package-private.
 */
package dev.runs.store.sqlite;
