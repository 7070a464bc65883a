package dev.runs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.ConfigSnapshot;
import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.RunEntry;
import dev.runs.RunId;
import dev.runs.RunPage;
import dev.runs.RunQuery;
import dev.runs.RunRecord;
import dev.runs.RunStatus;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.ValidationException;
import dev.runs.WorkflowRef;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Listing runs: filters (workflow and labels included), cursor paging, recommendation links. The
 * contract's {@code Listing} group binds these tests to the store under test.
 */
abstract class RunStoreListingKit extends RunStoreKit {
  RunStoreListingKit(RunStoreContract contract) {
    super(contract);
  }

  @Test
  @DisplayName("filters by namespace, thread, status and time, newest first")
  void list_filters() {
    RunId a =
        store().create(recordBuilder().namespace("acme/etl").threadKey("t1").build()).record().id();
    RunId b =
        store().create(recordBuilder().namespace("acme/etl").threadKey("t2").build()).record().id();
    Instant afterB = clock().instant();
    RunId c =
        store().create(recordBuilder().namespace("other").threadKey("t1").build()).record().id();
    RunId d = store().create(recordBuilder().threadKey("t1").build()).record().id();
    store().append(b, EventDraft.of(EventTypes.RUN_STARTED));
    store()
        .append(
            c,
            List.of(
                EventDraft.of(EventTypes.RUN_STARTED), EventDraft.of(EventTypes.RUN_COMPLETED)));

    assertThat(ids(RunQuery.all())).containsExactly(d, c, b, a);
    assertThat(ids(RunQuery.builder().namespace("acme/etl").build())).containsExactly(b, a);
    assertThat(ids(RunQuery.builder().namespace("").build())).containsExactly(d);
    assertThat(ids(RunQuery.builder().threadKey("t1").build())).containsExactly(d, c, a);
    assertThat(ids(RunQuery.builder().status(RunStatus.RUNNING).build())).containsExactly(b);
    assertThat(ids(RunQuery.builder().status(RunStatus.CREATED, RunStatus.COMPLETED).build()))
        .containsExactly(d, c, a);
    assertThat(ids(RunQuery.builder().createdFrom(afterB).build())).containsExactly(d, c);
    assertThat(ids(RunQuery.builder().createdBefore(afterB).build())).containsExactly(b, a);
    assertThat(ids(RunQuery.builder().namespace("acme/etl").threadKey("t1").build()))
        .containsExactly(a);
    RunEntry entry =
        store().list(RunQuery.builder().status(RunStatus.COMPLETED).build()).runs().get(0);
    assertThat(entry.lastSequence()).isEqualTo(3);
  }

  @Test
  @DisplayName("time bounds at the ends of Instant's range mean every run or none")
  void list_timeBoundsAtTheEndsOfInstant() {
    RunId a = store().create(recordBuilder().build()).record().id();
    RunId b = store().create(recordBuilder().build()).record().id();
    for (Instant early : List.of(Instant.MIN, Instant.parse("-0001-01-01T00:00:00Z"))) {
      assertThat(ids(RunQuery.builder().createdFrom(early).build())).containsExactly(b, a);
      assertThat(ids(RunQuery.builder().createdBefore(early).build())).isEmpty();
    }
    for (Instant late : List.of(Instant.MAX, Instant.parse("+10000-01-01T00:00:00Z"))) {
      assertThat(ids(RunQuery.builder().createdFrom(late).build())).isEmpty();
      assertThat(ids(RunQuery.builder().createdBefore(late).build())).containsExactly(b, a);
    }
    assertThat(ids(RunQuery.builder().createdFrom(Instant.MIN).createdBefore(Instant.MAX).build()))
        .containsExactly(b, a);
  }

  private List<RunId> ids(RunQuery q) {
    return store().list(q).runs().stream().map(RunEntry::id).toList();
  }

  /** Every run a query's pages listed, in order, and how many pages there were. */
  private record Paged(List<RunId> seen, int pages) {}

  /** Lists page after page of a query, each from a new builder with the previous page's cursor. */
  private Paged pageThrough(java.util.function.Supplier<RunQuery.Builder> query) {
    List<RunId> seen = new ArrayList<>();
    Optional<String> cursor = Optional.empty();
    int pages = 0;
    do {
      RunQuery.Builder q = query.get();
      cursor.ifPresent(q::cursor);
      RunPage page = store().list(q.build());
      page.runs().forEach(e -> seen.add(e.id()));
      cursor = page.nextCursor();
      pages++;
    } while (cursor.isPresent());
    return new Paged(seen, pages);
  }

  @Test
  @DisplayName("cursor paging visits every run once, newest first")
  void list_cursorPaging() {
    List<RunId> created = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      created.add(store().create(recordBuilder().namespace("page").build()).record().id());
    }
    Paged paged = pageThrough(() -> RunQuery.builder().namespace("page").limit(10));
    assertThat(paged.pages()).isEqualTo(3);
    List<RunId> newestFirst = new ArrayList<>(created);
    java.util.Collections.reverse(newestFirst);
    assertThat(paged.seen()).containsExactlyElementsOf(newestFirst);
  }

  @Test
  @DisplayName("runs started from a recommendation are found by its id")
  void list_byRecommendation() {
    RunId a =
        store()
            .create(
                recordBuilder()
                    .recommendation(
                        new dev.runs.RecommendationLink(
                            "rec-1", "0".repeat(64), dev.runs.ConfigDiff.empty()))
                    .build())
            .record()
            .id();
    store()
        .create(
            recordBuilder()
                .recommendation(
                    new dev.runs.RecommendationLink(
                        "rec-2", "0".repeat(64), dev.runs.ConfigDiff.empty()))
                .build());
    store().create(record());
    assertThat(ids(RunQuery.builder().recommendationId("rec-1").build())).containsExactly(a);
    assertThat(store().get(a).orElseThrow().recommendation().orElseThrow().recommendationId())
        .isEqualTo("rec-1");
  }

  /** A record of a workflow, with the contract's config and a new trigger. */
  private static RunRecord.Builder workflowRun(String name, String version) {
    return RunRecord.builder(
        WorkflowRef.of(name, version),
        ConfigSnapshot.empty(),
        Trigger.of(TriggerSource.TEST, "kit-" + UUID.randomUUID(), "kit"));
  }

  @Test
  @DisplayName("filters by workflow, workflow version and labels, with the other filters")
  void list_byWorkflowAndLabels() {
    String awkward = "it's \"quoted\"\t, 100% {json} ü";
    RunId a1 = store().create(workflowRun("etl", "1").label("team", "data").build()).record().id();
    RunId a2 =
        store()
            .create(
                workflowRun("etl", "2")
                    .label("team", "data")
                    .label("customer", "c-42")
                    .label("a.b/c", awkward)
                    .build())
            .record()
            .id();
    RunId b1 =
        store().create(workflowRun("report", "1").label("team", "web").build()).record().id();
    RunId bare = store().create(workflowRun("etl", "2").build()).record().id();
    store().append(a2, EventDraft.of(EventTypes.RUN_STARTED));

    assertThat(ids(RunQuery.builder().workflow("etl").build())).containsExactly(bare, a2, a1);
    assertThat(ids(RunQuery.builder().workflow("etl", "2").build())).containsExactly(bare, a2);
    assertThat(ids(RunQuery.builder().workflow("etl", "3").build())).isEmpty();
    assertThat(ids(RunQuery.builder().workflow("et").build())).isEmpty();
    assertThat(ids(RunQuery.builder().label("team", "data").build())).containsExactly(a2, a1);
    assertThat(ids(RunQuery.builder().label("team", "data").label("customer", "c-42").build()))
        .containsExactly(a2);
    assertThat(ids(RunQuery.builder().label("a.b/c", awkward).build())).containsExactly(a2);
    assertThat(ids(RunQuery.builder().label("a.b/c", "it's").build())).isEmpty();
    assertThat(ids(RunQuery.builder().label("team", "Data").build())).isEmpty();
    assertThat(ids(RunQuery.builder().label("nobody", "data").build())).isEmpty();
    assertThat(ids(RunQuery.builder().label("customer", "c-42").workflow("report").build()))
        .isEmpty();
    assertThat(ids(RunQuery.builder().label("team", "data").status(RunStatus.RUNNING).build()))
        .containsExactly(a2);
    assertThat(
            ids(
                RunQuery.builder()
                    .label("team", "data")
                    .status(RunStatus.CREATED, RunStatus.RUNNING)
                    .build()))
        .containsExactly(a2, a1);
    assertThat(ids(RunQuery.builder().workflow("report", "1").label("team", "web").build()))
        .containsExactly(b1);
  }

  @Test
  @DisplayName("a label few runs carry fills each page from the whole store")
  void list_byRareLabel_pages() {
    List<RunId> tagged = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      RunRecord.Builder b = workflowRun("etl", "1");
      if (i % 13 == 0) {
        b.label("rare", "yes");
      }
      RunId id = store().create(b.build()).record().id();
      if (i % 13 == 0) {
        tagged.add(0, id); // newest first
      }
    }
    Paged paged = pageThrough(() -> RunQuery.builder().label("rare", "yes").limit(3));
    assertThat(paged.seen()).containsExactlyElementsOf(tagged);
    assertThat(paged.pages()).isEqualTo(2);
  }

  @Test
  @DisplayName("a malformed workflow or label filter is refused")
  void list_badWorkflowOrLabelFilter_refused() {
    assertThatThrownBy(() -> RunQuery.builder().label("Team", "x"))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("Team");
    assertThatThrownBy(() -> RunQuery.builder().workflow(" "))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("workflowName");
    assertThatThrownBy(
            () ->
                new RunQuery(
                    Optional.empty(),
                    Optional.empty(),
                    java.util.Set.of(),
                    Optional.empty(),
                    Optional.empty(),
                    10,
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.of("1"),
                    java.util.Map.of()))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("workflowVersion");
  }

  @Test
  @DisplayName("a malformed cursor is refused")
  void list_badCursor_refused() {
    assertThatThrownBy(() -> RunQuery.builder().cursor("not-a-cursor!").build())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("cursor");
  }
}
