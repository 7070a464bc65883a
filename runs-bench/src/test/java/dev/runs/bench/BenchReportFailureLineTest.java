package dev.runs.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

final class BenchReportFailureLineTest {
  @Test
  void aChildsStackTrace_isReportedByItsFirstLine_notByItsLast() {
    String output =
        """
        [main] INFO dev.runs - store opened
        Exception in thread "main" java.util.concurrent.CompletionException: boom
        	at dev.runs.bench.HeapCheck.main(HeapCheck.java:50)
        Caused by: java.lang.OutOfMemoryError: Cannot reserve 1204000 bytes
        	... 3 more\
        """;
    assertThat(BenchReport.failureLine(output))
        .isEqualTo("Exception in thread \"main\" java.util.concurrent.CompletionException: boom");
  }

  @Test
  void anExceptionPrintedWithoutAThreadName_isFound() {
    String output =
        "starting\njava.lang.IllegalStateException: sequence 7 missing\n\tat x.y(Z.java:1)";
    assertThat(BenchReport.failureLine(output))
        .isEqualTo("java.lang.IllegalStateException: sequence 7 missing");
  }

  @Test
  void outputWithoutAnException_isReportedByItsLastLine() {
    assertThat(BenchReport.failureLine("one\ntwo\nno space left")).isEqualTo("no space left");
    assertThat(BenchReport.failureLine("")).isEmpty();
  }
}
