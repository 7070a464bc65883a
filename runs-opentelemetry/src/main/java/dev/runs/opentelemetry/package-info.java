/**
 * Runs as OpenTelemetry traces: {@link dev.runs.opentelemetry.RunTraceExporter} turns a run's
 * events into spans following the GenAI semantic conventions, after the fact or live, and {@link
 * dev.runs.opentelemetry.RunSpanIds} makes an SDK give those spans ids derived from the event ids.
 */
@NullMarked
package dev.runs.opentelemetry;

import org.jspecify.annotations.NullMarked;
