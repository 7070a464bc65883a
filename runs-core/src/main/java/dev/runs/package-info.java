/**
 * The public API of Runs: run records and config snapshots, the event envelope ({@link
 * dev.runs.RunEvent}, {@link dev.runs.EventDraft}, {@link dev.runs.EventCodec}) and taxonomy
 * ({@link dev.runs.EventTypes}), the run state machine and its fold ({@link dev.runs.RunState}),
 * stores ({@link dev.runs.RunStore}, opened by URI with {@link dev.runs.RunStores}), stage
 * manifests, the {@link dev.runs.RunOrchestrator} that executes host {@link dev.runs.Workflow}s
 * with durable steps, cancel, resume, replay, rerun, budgets and summaries, and the exceptions, all
 * unchecked and rooted at {@link dev.runs.RunsException}.
 */
@NullMarked
package dev.runs;

import org.jspecify.annotations.NullMarked;
