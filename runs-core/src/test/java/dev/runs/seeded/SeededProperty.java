package dev.runs.seeded;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.ArgumentsProvider;
import org.junit.jupiter.params.provider.ArgumentsSource;
import org.junit.jupiter.params.support.AnnotationConsumer;
import org.junit.jupiter.params.support.ParameterDeclarations;

/**
 * A property test: a parameterized test run once per seed, {@link #cases} times. The method takes
 * one {@link Cases} argument, a source of random values seeded for that case; the seed is in the
 * case's display name, so a failure names it.
 *
 * <p>The seeds differ from run to run (each run explores new cases). To replay a failure, pass its
 * seed: {@code -Druns.seed=<seed>} makes it the first case's seed, so case 1 draws exactly the
 * values of the failing case.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@ParameterizedTest(name = "case {index}: {0}")
@ArgumentsSource(SeededProperty.Seeds.class)
public @interface SeededProperty {
  /**
   * @return how many random cases to run
   */
  int cases();

  /** Provides one {@link Cases} per case, seeded from {@code runs.seed} or the clock. */
  final class Seeds implements ArgumentsProvider, AnnotationConsumer<SeededProperty> {
    /** Spreads consecutive case seeds over the whole range (the golden-ratio increment). */
    private static final long STRIDE = 0x9E3779B97F4A7C15L;

    private int cases;

    /** Created by JUnit for each {@link SeededProperty} method. */
    public Seeds() {}

    @Override
    public void accept(SeededProperty property) {
      cases = property.cases();
    }

    @Override
    public Stream<? extends Arguments> provideArguments(
        ParameterDeclarations parameters, ExtensionContext context) {
      String given = System.getProperty("runs.seed");
      long first = given == null ? System.nanoTime() ^ STRIDE : Long.parseLong(given.trim());
      return LongStream.range(0, cases).mapToObj(i -> Arguments.of(new Cases(first + i * STRIDE)));
    }
  }
}
