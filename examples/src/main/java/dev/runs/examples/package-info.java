/**
 * Runnable examples: {@link dev.runs.examples.Demo}, the one-command demo of the README (a
 * simulated support agent on an embedded SQLite store with a live timeline, failure and resume,
 * replay, rerun, cancel and a summary), and one main class per embedding scenario ({@link
 * dev.runs.examples.PipelineExample}, {@link dev.runs.examples.StagesExample}, {@link
 * dev.runs.examples.AdvisorExample}); each is run by a smoke test. Not API.
 *
 * <p>Not {@code @NullMarked}, unlike the library's packages: these are read as how-to code, and the
 * null checks NullAway would ask around every {@code AtomicReference} a workflow fills would hide
 * what they show.
 */
package dev.runs.examples;
