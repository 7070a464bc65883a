/**
 * Typed payloads for the core event taxonomy: one immutable record per type of {@link
 * dev.runs.EventTypes} that a host may append (every type except {@code run.created}, which the
 * store writes), plus the small shapes they share ({@link dev.runs.payload.ErrorInfo}, {@link
 * dev.runs.payload.TokenUsage}). Each record implements {@link dev.runs.EventPayload}, so {@code
 * EventDraft.of(ToolCallStarted.of("search"))} builds a draft and {@code
 * event.payload().as(ToolCallStarted.class)} reads one back. Component names become the snake_case
 * payload fields of {@code docs/events.md}; constructors refuse what an append would refuse, naming
 * the field. The envelope fields some types need ({@code step_id}, {@code attempt}) are set on the
 * {@link dev.runs.EventDraft}, not here.
 *
 * <p>The records are the one source of the taxonomy's payload rules: the store's append checks, the
 * JSON Schema's payload rules and the tables of {@code docs/events.md} are derived from their
 * components (a component that is not optional is required; its Java type gives the JSON kind) and
 * the annotations {@link dev.runs.payload.NonBlank}, {@link dev.runs.payload.NonNegative}, {@link
 * dev.runs.payload.CheckedWhenPresent} and {@link dev.runs.payload.Envelope}.
 */
@NullMarked
package dev.runs.payload;

import org.jspecify.annotations.NullMarked;
