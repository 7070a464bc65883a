package dev.runs.internal.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.RunId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The wording of the lines {@code close()} logs while it waits for runs. */
final class DefaultRunOrchestratorTest {
  @Test
  void listed_namesTheCountAndTheIds() {
    assertThat(DefaultRunOrchestrator.listed(List.of(RunId.of("acme/1"))))
        .isEqualTo("1 run (acme/1)");
    assertThat(DefaultRunOrchestrator.listed(List.of(RunId.of("a"), RunId.of("b"))))
        .isEqualTo("2 runs (a, b)");
  }

  @Test
  void listed_namesAtMostTenIds_andCountsTheRest() {
    List<RunId> ids = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      ids.add(RunId.of("r" + i));
    }

    assertThat(DefaultRunOrchestrator.listed(ids))
        .isEqualTo("12 runs (r0, r1, r2, r3, r4, r5, r6, r7, r8, r9 and 2 more)");
  }

  @Test
  void duration_isWrittenInSecondsOrMilliseconds() {
    assertThat(DefaultRunOrchestrator.duration(Duration.ofSeconds(30))).isEqualTo("30 s");
    assertThat(DefaultRunOrchestrator.duration(Duration.ofMillis(250))).isEqualTo("250 ms");
    assertThat(DefaultRunOrchestrator.duration(Duration.ZERO)).isEqualTo("0 s");
  }
}
