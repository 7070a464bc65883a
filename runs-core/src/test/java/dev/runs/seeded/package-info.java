/**
 * Seeded property tests for JUnit 5: {@link dev.runs.seeded.SeededProperty} runs a test once per
 * random seed and {@link dev.runs.seeded.Cases} draws that case's values. Test sources only.
 */
package dev.runs.seeded;
