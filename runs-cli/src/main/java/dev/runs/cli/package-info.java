/**
 * The {@code runs} command-line tool: {@link dev.runs.cli.RunsCli} lists, shows, follows, operates
 * and moves runs in any store a URI names. Run it from the executable jar ({@code java -jar
 * runs-cli-all.jar ls}), the {@code runs} launcher script, or in process from Java and tests.
 */
@NullMarked
package dev.runs.cli;

import org.jspecify.annotations.NullMarked;
