/**
 * The {@code memory:} store provider: an in-heap store for tests and short-lived hosts, found by
 * {@link java.util.ServiceLoader} like every other store.
 */
@NullMarked
package dev.runs.memory;

import org.jspecify.annotations.NullMarked;
