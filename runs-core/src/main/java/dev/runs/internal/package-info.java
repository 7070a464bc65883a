/**
 * Implementation of Runs: the default store with its append path and group commit, subscriptions,
 * the in-memory engine, the default redactor and provider discovery. JSON forms live in {@code
 * dev.runs.internal.codec}, leaf helpers in {@code dev.runs.internal.support}, the orchestrator in
 * {@code dev.runs.internal.orchestrator}. <b>Not API</b>: anything here may change in any release;
 * depend on {@code dev.runs}, {@code dev.runs.payload} and {@code dev.runs.spi} only. The API
 * reaches this package only through static entry points (an architecture test lists them).
 */
@NullMarked
package dev.runs.internal;

import org.jspecify.annotations.NullMarked;
