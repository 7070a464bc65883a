/**
 * Leaf helpers of the implementation: RFC 3339 times, UUIDv7 ids, the one Jackson configuration, an
 * allocation-free JSON syntax check and the nearest names for "did you mean" hints. <b>Not API.</b>
 * This package imports nothing from {@code dev.runs} (an architecture test checks it), so the API
 * and every implementation package may use it without forming an import loop; its errors are the
 * JDK's, and callers turn them into Runs exceptions naming their field.
 */
@NullMarked
package dev.runs.internal.support;

import org.jspecify.annotations.NullMarked;
