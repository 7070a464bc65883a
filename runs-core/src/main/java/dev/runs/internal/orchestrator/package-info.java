/**
 * The default {@link dev.runs.RunOrchestrator}: executions with durable steps, leases and their
 * renewal, cancellation, resume, replay, rerun, preflight, recommendations and budgets, built on
 * the public {@link dev.runs.RunStore} API only. <b>Not API</b>: anything here may change in any
 * release.
 */
@NullMarked
package dev.runs.internal.orchestrator;

import org.jspecify.annotations.NullMarked;
