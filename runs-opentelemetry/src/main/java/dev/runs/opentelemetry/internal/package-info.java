/**
 * The trace exporter's implementation: the span assembler that folds a run's events into spans, the
 * attribute keys, the id derivation and the live export queue. Not API: types here change without
 * notice.
 */
@NullMarked
package dev.runs.opentelemetry.internal;

import org.jspecify.annotations.NullMarked;
