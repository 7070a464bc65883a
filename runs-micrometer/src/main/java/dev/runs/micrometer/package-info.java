/**
 * Runs metrics through Micrometer: {@link dev.runs.micrometer.RunsMetrics} binds the meters, opens
 * {@code runs.run} and {@code runs.step} observations, and records JFR events.
 */
@NullMarked
package dev.runs.micrometer;

import org.jspecify.annotations.NullMarked;
