/**
 * Implementation of Runs: the default store with its append path and group commit, the in-memory
 * engine, JSON support and provider discovery. <b>Not API</b>: anything here may change in any
 * release; depend on {@code dev.runs} and {@code dev.runs.spi} only.
 */
package dev.runs.internal;
