/** Runnable examples: the demo and one main class per embedding scenario. */
package dev.runs.examples;
