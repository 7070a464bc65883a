/** JMH benchmarks comparing Runs' stores with the ceilings of their media and with peers. */
@NullMarked
package dev.runs.bench;

import org.jspecify.annotations.NullMarked;
