/** JMH benchmarks comparing Runs' stores with the ceilings of their media and with peers. */
package dev.runs.bench;
