/**
 * JMH benchmarks comparing Runs' stores with the ceilings of their media and with peers.
 *
 * <p>Not {@code @NullMarked}, unlike the library's packages: JMH fills benchmark state in
 * {@code @Setup} methods and the report treats a benchmark that did not run as a null figure.
 */
package dev.runs.bench;
