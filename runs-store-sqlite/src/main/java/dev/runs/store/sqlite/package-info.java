/**
 * The {@code sqlite:} store. Only the provider class is public; the engine and its helpers are
 * package-private.
 */
@NullMarked
package dev.runs.store.sqlite;

import org.jspecify.annotations.NullMarked;
