package dev.runs.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.RunEntry;
import dev.runs.RunId;
import dev.runs.RunRecord;
import dev.runs.RunStore;
import dev.runs.StageArtifact;
import dev.runs.StageWrite;
import dev.runs.spi.RunStoreFactory;
import dev.runs.spi.StoreLocation;
import dev.runs.testkit.ChildJvm;
import dev.runs.testkit.TestImportedRun;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child JVM imports, deletes or stubs a large run and is killed with SIGKILL part way; the
 * reopened database must hold the run whole or not at all (import), whole or gone (delete), whole
 * or a stub (stub), never anything in between. Also: an import of a million events in a child with
 * a small heap, for bounded memory.
 */
@Timeout(900)
final class SqliteMovesCrashIT {
  private static final int EVENTS = 100_000;
  private static final Duration WAIT = Duration.ofMinutes(3);

  @TempDir Path dir;

  private final long seed = System.nanoTime();
  private final Random random = new Random(seed);

  /** What a run looks like after a kill. */
  private enum Outcome {
    WHOLE,
    ABSENT,
    STUB
  }

  private Path db() {
    return dir.resolve("runs.db");
  }

  private SqliteEngine engine() {
    return SqliteEngine.open(SqliteSettings.from(StoreLocation.parse("sqlite:" + db())));
  }

  private static long rows(Path db, String table, RunId id) throws Exception {
    return Fixtures.queryLong(
        db, "SELECT count(*) FROM " + table + " WHERE run_id = '" + id.value() + "'");
  }

  /**
   * Opens the database (SQLite drops what an unfinished transaction left in the log) and says what
   * the run is, failing on anything in between.
   */
  private Outcome inspect(RunRecord record, long events, long stageAttempts, String context)
      throws Exception {
    RunId id = record.id();
    try (SqliteEngine e = engine()) {
      Optional<RunEntry> entry = e.entry(id);
      long eventRows = rows(db(), "events", id);
      long stageRows = rows(db(), "stages", id);
      long fileRows = rows(db(), "stage_files", id);
      long leaseRows = rows(db(), "leases", id);
      if (entry.isEmpty()) {
        assertThat(e.findByTrigger(record.trigger().triggerId()))
            .as(context + ": trigger")
            .isEmpty();
        assertThat(eventRows).as(context + ": events of an absent run").isZero();
        assertThat(stageRows + fileRows + leaseRows).as(context + ": stages, lease").isZero();
        return Outcome.ABSENT;
      }
      assertThat(entry.get().lastSequence()).as(context + ": head").isEqualTo(events);
      assertThat(e.findByTrigger(record.trigger().triggerId()))
          .as(context + ": trigger")
          .isPresent();
      Optional<String> stub = e.stub(id);
      if (stub.isPresent()) {
        assertThat(stub).as(context).contains(SqliteMovesChild.STUB);
        assertThat(eventRows + stageRows + fileRows + leaseRows)
            .as(context + ": rows left by a stub")
            .isZero();
        return Outcome.STUB;
      }
      assertThat(eventRows).as(context + ": events of a whole run").isEqualTo(events);
      assertThat(stageRows)
          .as(context + ": stage attempts of a whole run")
          .isEqualTo(stageAttempts);
      assertThat(fileRows).as(context + ": stage files").isEqualTo(stageAttempts);
      return Outcome.WHOLE;
    }
  }

  private static RunRecord newRecord() {
    return Fixtures.record(RunId.of("crash/" + UUID.randomUUID()), "crash-" + UUID.randomUUID());
  }

  private static long doneMillis(ChildJvm child) throws InterruptedException {
    String done = child.awaitLine(l -> l.startsWith("DONE "), WAIT);
    return Long.parseLong(done.substring(5));
  }

  // ---- import
  // ------------------------------------------------------------------------------------

  @Test
  void import_killedAtAnyMoment_leavesTheRunWholeOrAbsent() throws Exception {
    engine().close(); // create the database
    Map<Outcome, Integer> outcomes = new EnumMap<>(Outcome.class);
    RunRecord absent = null;
    // a finished import first: it tells how long one takes
    RunRecord first = newRecord();
    long millis;
    try (ChildJvm child = start("import", first, "0")) {
      millis = doneMillis(child);
      child.awaitSuccess(WAIT);
    }
    assertThat(inspect(first, EVENTS, 0, "finished import")).isEqualTo(Outcome.WHOLE);
    // killed inside the transaction, at a known point: nothing of it may remain
    for (int round = 0; round < 2; round++) {
      RunRecord r = newRecord();
      try (ChildJvm child = start("import", r, Long.toString(1 + random.nextInt(EVENTS)))) {
        child.awaitLine("PAUSED", WAIT);
        child.kill();
      }
      assertThat(inspect(r, EVENTS, 0, "import killed while paused (seed " + seed + ")"))
          .isEqualTo(Outcome.ABSENT);
      absent = r;
    }
    // killed at random moments of the import, its commit included
    for (int round = 0; round < 6; round++) {
      RunRecord r = newRecord();
      long delay = (long) (random.nextDouble() * millis * 1.3);
      try (ChildJvm child = start("import", r, "0")) {
        child.awaitLine("READY", WAIT);
        Thread.sleep(delay); // the moment of the crash, not a wait for a condition
        child.kill();
      }
      Outcome o = inspect(r, EVENTS, 0, "import killed after " + delay + " ms (seed " + seed + ")");
      outcomes.merge(o, 1, Integer::sum);
    }
    System.out.printf(
        "import crash test (seed %d): one import takes %d ms; random kills left %s%n",
        seed, millis, outcomes);
    // the database is fine and the trigger free: the import that was killed succeeds now
    try (SqliteEngine e = engine()) {
      e.importRun(TestImportedRun.generated(absent, EVENTS));
    }
    assertThat(inspect(absent, EVENTS, 0, "retried import")).isEqualTo(Outcome.WHOLE);
  }

  private ChildJvm start(String mode, RunRecord r, String pauseAt) {
    return SqliteMovesChild.start(
        dir,
        "128m",
        mode,
        db().toString(),
        r.id().value(),
        r.trigger().triggerId(),
        Integer.toString(EVENTS),
        pauseAt);
  }

  // ---- delete and stub
  // ---------------------------------------------------------------------------

  /** A whole run of {@link #EVENTS} events with two stage attempts and a lease. */
  private RunRecord prepareRun() {
    RunRecord r = newRecord();
    StoreLocation location = StoreLocation.parse("sqlite:" + db());
    SqliteEngine e = SqliteEngine.open(SqliteSettings.from(location));
    try (RunStore store = RunStoreFactory.create(e, location)) {
      e.importRun(TestImportedRun.generated(r, EVENTS));
      for (int i = 0; i < 2; i++) {
        store.writeStage(
            r.id(),
            StageWrite.of("fetch")
                .withArtifact(
                    StageArtifact.of(
                        "page.html", "html", ("page " + i).getBytes(StandardCharsets.UTF_8))));
      }
      assertThat(store.acquireLease(r.id(), "crash-test", Duration.ofHours(1))).isPresent();
    }
    return r;
  }

  @Test
  void deleteAndStub_killedAtAnyMoment_leaveTheRunWholeOrMoved() throws Exception {
    for (String mode : new String[] {"delete", "stub"}) {
      Outcome moved = mode.equals("delete") ? Outcome.ABSENT : Outcome.STUB;
      RunRecord first = prepareRun();
      long millis;
      try (ChildJvm child =
          SqliteMovesChild.start(
              dir, "128m", mode, db().toString(), first.id().value(), Integer.toString(EVENTS))) {
        millis = doneMillis(child);
        child.awaitSuccess(WAIT);
      }
      assertThat(inspect(first, EVENTS, 2, "finished " + mode)).isEqualTo(moved);
      Map<Outcome, Integer> outcomes = new EnumMap<>(Outcome.class);
      int killedBeforeDone = 0;
      for (int round = 0; round < 5; round++) {
        RunRecord r = prepareRun();
        long delay = (long) (random.nextDouble() * millis * 1.5);
        try (ChildJvm child =
            SqliteMovesChild.start(
                dir, "128m", mode, db().toString(), r.id().value(), Integer.toString(EVENTS))) {
          child.awaitLine("READY", WAIT);
          Thread.sleep(delay); // the moment of the crash, not a wait for a condition
          child.kill();
          if (child.lines().stream().noneMatch(l -> l.startsWith("DONE"))) {
            killedBeforeDone++;
          }
        }
        String context = mode + " killed after " + delay + " ms (seed " + seed + ")";
        Outcome o = inspect(r, EVENTS, 2, context);
        assertThat(o).as(context).isIn(Outcome.WHOLE, moved);
        outcomes.merge(o, 1, Integer::sum);
      }
      System.out.printf(
          "%s crash test (seed %d): one %s takes %d ms; %d of 5 kills came before it returned,"
              + " leaving %s%n",
          mode, seed, mode, millis, killedBeforeDone, outcomes);
    }
  }

  // ---- bounded memory
  // ----------------------------------------------------------------------------

  @Test
  void import_millionEvents_fitsInASmallHeap() throws Exception {
    engine().close();
    RunRecord r = newRecord();
    long events = 1_000_000;
    long millis;
    // 1,000,000 envelopes take some 300 MB as strings: a 48 MB heap holds a few batches only
    try (ChildJvm child =
        SqliteMovesChild.start(
            dir,
            "48m",
            "import",
            db().toString(),
            r.id().value(),
            r.trigger().triggerId(),
            Long.toString(events),
            "0")) {
      millis = doneMillis(child);
      child.awaitSuccess(WAIT);
    }
    assertThat(inspect(r, events, 0, "million-event import")).isEqualTo(Outcome.WHOLE);
    System.out.printf(
        "imported %d events in %d ms (%.0f events/s) in a 48 MB heap%n",
        events, millis, events * 1000.0 / Math.max(1, millis));
  }
}
