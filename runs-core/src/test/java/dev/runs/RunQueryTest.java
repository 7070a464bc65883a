package dev.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link RunQuery#page}: the one paging rule every store uses. */
final class RunQueryTest {
  private static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");

  /** Newest first, as a store reads them. */
  private static List<RunEntry> entries(int n) {
    List<RunEntry> out = new ArrayList<>();
    for (int i = n; i >= 1; i--) {
      RunRecord r =
          RunRecord.builder(
                  WorkflowRef.of("w", "1"),
                  ConfigSnapshot.empty(),
                  Trigger.of(TriggerSource.TEST, "t" + i))
              .id(RunId.of("run-" + i))
              .createdAt(T0.plusSeconds(i))
              .build();
      out.add(new RunEntry(r, RunStatus.CREATED, 1, r.createdAt()));
    }
    return out;
  }

  @Test
  void page_upToTheLimit_isTheLastPage() {
    RunQuery query = RunQuery.builder().limit(3).build();

    assertThat(query.page(List.of()).runs()).isEmpty();
    assertThat(query.page(List.of()).nextCursor()).isEmpty();
    List<RunEntry> three = entries(3);
    RunPage exactly = query.page(three);
    assertThat(exactly.runs()).isEqualTo(three);
    assertThat(exactly.nextCursor()).isEmpty();
  }

  @Test
  void page_pastTheLimit_cutsAndPointsAfterTheLastRunOnThePage() {
    RunQuery query = RunQuery.builder().limit(3).build();

    List<RunEntry> four = entries(4);
    RunPage page = query.page(four);

    assertThat(page.runs())
        .extracting(e -> e.record().id().value())
        .containsExactly("run-4", "run-3", "run-2");
    assertThat(page.nextCursor()).isPresent();
    RunQuery next = RunQuery.builder().limit(3).cursor(page.nextCursor().get()).build();
    assertThat(four)
        .filteredOn(e -> next.afterCursor(e.record()))
        .extracting(e -> e.record().id().value())
        .containsExactly("run-1");
  }

  @Test
  void cursor_outsideTheYearsARunCanHave_isRefusedNamingTheField() {
    RunId id = RunId.of("run-1");
    for (Instant t :
        List.of(
            Instant.MAX,
            Instant.MIN,
            Instant.parse("+10000-01-01T00:00:00Z"),
            Instant.parse("-0001-12-31T23:59:59.999999Z"))) {
      assertThatThrownBy(() -> new RunQuery.Cursor(t, id))
          .as("%s", t)
          .isInstanceOf(ValidationException.class)
          .hasMessageContaining("cursor.createdAt")
          .hasMessageContaining("0000-01-01T00:00:00.000000Z to 9999-12-31T23:59:59.999999Z");
    }
  }

  @Test
  void cursor_atTheEndsOfTheYearsARunCanHave_roundTrips() {
    RunId id = RunId.of("run-1");
    for (Instant t :
        List.of(
            Instant.parse("0000-01-01T00:00:00Z"),
            Instant.parse("9999-12-31T23:59:59.999999Z"),
            Instant.parse("9999-12-31T23:59:59.999999999Z"))) {
      RunQuery.Cursor c = new RunQuery.Cursor(t, id);
      RunQuery.Cursor back = RunQuery.Cursor.decode(c.encode());
      assertThat(back.runId()).isEqualTo(id);
      assertThat(back.createdAt()).isEqualTo(t.truncatedTo(java.time.temporal.ChronoUnit.MICROS));
    }
  }
}
