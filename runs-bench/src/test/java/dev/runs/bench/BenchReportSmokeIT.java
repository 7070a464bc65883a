package dev.runs.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs every benchmark of the report once in the smoke profile (in-process, one short iteration,
 * small data) so none of them rots, and checks that the report has a measured figure in every row.
 * The figures themselves mean nothing here.
 */
final class BenchReportSmokeIT {
  @Test
  @Timeout(600)
  void smokeProfile_runsEveryBenchmark_andFillsEveryRow() throws Exception {
    String report = BenchReport.run(BenchReport.Profile.SMOKE);

    assertThat(report).contains("| store | scenario | ours | ceiling");
    assertThat(report).doesNotContain("not measured").doesNotContain("FAILED");
    for (String scenario :
        new String[] {
          "durable append, 16 writers, own runs",
          "one producer, 256 async appends in flight",
          "read a 1,000,000-event run",
          "list one thread's newest 50 among 100,000 runs",
          "delivery p50 / p99 / max, 100 subscribers",
          "with -Xmx64m (sqlite)",
          "with -Xmx64m (file)",
          "MCP runs_emit_event, batches of 100, over streamable HTTP",
          "MCP runs_emit_event, batches of 100, over stdio",
          "| in-memory | export a 3,000-event run to a bundle file (ceiling = the store's own read,"
              + " objects",
          "| SQLite | export a 3,000-event run to a bundle file",
          "| file | export a 3,000-event run to a bundle file",
          "| SQLite | export that run to a stream (a new file, never forced",
          "| file | export that run to a stream (a new file, never forced",
          "| in-memory | import that bundle into an empty store",
          "| SQLite | import that bundle into an empty store",
          "| file | import that bundle into an empty store",
          "| in-memory | archive sweep of 20 runs x 50 events to dir:",
          "| SQLite | archive sweep of 20 runs x 50 events to dir:",
          "| file | archive sweep of 20 runs x 50 events to dir:",
          "| observability | durable append, 16 writers, own runs, SQLite, metrics and live traces"
              + " on",
          "| observability | durable append, 16 writers, own agent-shaped runs, SQLite, metrics"
              + " and live traces on, paired with neither",
          "| observability | RunsMetrics commit observer",
          "| observability | live trace export at 10,000 events/s"
        }) {
      assertThat(report).contains(scenario);
    }
    String s3 = System.getenv("RUNS_S3_ENDPOINT");
    if (s3 != null && !s3.isBlank()) {
      assertThat(report)
          .contains("| SQLite | archive sweep of 20 runs x 50 events to the loopback S3 server");
    } else {
      assertThat(report).contains("The archive sweep to S3 was not run");
    }
    assertThat(
            report
                .lines()
                .filter(
                    l ->
                        l.startsWith("| SQLite")
                            || l.startsWith("| file")
                            || l.startsWith("| in-memory")))
        .allSatisfy(l -> assertThat(l.split("\\|", -1)[3].trim()).as(l).isNotEqualTo("–"));
  }
}
