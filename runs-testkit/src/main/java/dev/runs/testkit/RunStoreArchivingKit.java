package dev.runs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.ArchiveStore;
import dev.runs.ArchiveStores;
import dev.runs.ArchiveUnavailableException;
import dev.runs.ArchivedRun;
import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.RetentionPolicy;
import dev.runs.RunArchivedException;
import dev.runs.RunArchiver;
import dev.runs.RunBundles;
import dev.runs.RunEntry;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunQuery;
import dev.runs.RunSelection;
import dev.runs.RunState;
import dev.runs.StageManifest;
import dev.runs.StoreCorruptedException;
import dev.runs.SweepReport;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Archiving: a sweep moves old terminal runs to a {@code dir:} archive, reads of them go to the
 * archive transparently, appends are refused until a restore, and a failing or lying archive never
 * costs the local copy. The contract's {@code Archiving} group binds these tests to the store under
 * test.
 */
abstract class RunStoreArchivingKit extends RunStoreKit {
  RunStoreArchivingKit(RunStoreContract contract) {
    super(contract);
  }

  private Path archiveDir() {
    return dir().resolve("archive");
  }

  /** Reopens the store under test with an archive to read archived runs from. */
  private ArchiveStore withArchive() {
    ArchiveStore archive = ArchiveStores.open("dir:" + archiveDir());
    store().close();
    useStore(newStore(dir(), options().toBuilder().archive(archive).build()));
    return archive;
  }

  /** What a run looks like from the outside, to compare before and after archiving. */
  private record Seen(
      RunEntry entry,
      List<RunEvent> events,
      RunState state,
      List<StageManifest> stages,
      Map<String, byte[]> files) {}

  private Seen seen(RunId id) {
    return new Seen(
        store().entry(id).orElseThrow(),
        all(store(), id),
        store().state(id),
        store().stages(id),
        MovingRuns.stageFiles(store(), id));
  }

  private void assertSeen(RunId id, Seen before) {
    Seen now = seen(id);
    assertThat(now.entry()).isEqualTo(before.entry());
    assertThat(now.events()).isEqualTo(before.events());
    assertThat(now.state()).isEqualTo(before.state());
    assertThat(now.stages()).isEqualTo(before.stages());
    assertThat(now.files()).containsExactlyEntriesOf(before.files());
  }

  @Test
  @DisplayName("a sweep archives old terminal runs only; their reads go to the archive unchanged")
  void sweep_archivesOldTerminalRuns_readsTransparent() throws Exception {
    try (ArchiveStore archive = withArchive()) {
      Random random = new Random(5);
      RunId old = MovingRuns.write(store(), record(), 30, random, EventTypes.RUN_COMPLETED);
      RunId oldFailed = MovingRuns.write(store(), record(), 3, random, EventTypes.RUN_FAILED);
      RunId live = startedRun();
      clock().advance(Duration.ofDays(8));
      RunId recent = MovingRuns.write(store(), record(), 2, random, EventTypes.RUN_COMPLETED);
      Seen oldBefore = seen(old);
      Seen failedBefore = seen(oldFailed);

      SweepReport report =
          RunArchiver.of(store(), archive, RetentionPolicy.keepFor(Duration.ofDays(7))).sweep();

      assertThat(report.archived()).isEqualTo(2);
      assertThat(report.failed()).isZero();
      assertThat(report.events())
          .isEqualTo(oldBefore.events().size() + failedBefore.events().size());
      assertThat(report.bytes()).isPositive();
      ArchivedRun where = store().archived(old).orElseThrow();
      assertThat(where.archive()).isEqualTo(archive.location());
      assertThat(where.eventCount()).isEqualTo(oldBefore.events().size());
      assertThat(archive.list(where.prefix()))
          .contains(
              where.prefix() + "run.json",
              where.prefix() + "events.ndjson",
              where.prefix() + "summary.json",
              where.prefix() + "manifest.json");
      assertThat(store().archived(live)).isEmpty();
      assertThat(store().archived(recent)).isEmpty();
      assertSeen(old, oldBefore);
      assertSeen(oldFailed, failedBefore);
      assertThat(store().verify(old).ok()).isTrue();
      StageManifest m = oldBefore.stages().get(0);
      assertThat(store().verifyStage(old, m.stageKey(), m.attempt()).ok()).isTrue();
      assertThat(store().read(old, 5, 3)).isEqualTo(oldBefore.events().subList(5, 8));
      CollectingSubscriber sub = new CollectingSubscriber(Long.MAX_VALUE);
      store().subscribe(old, 0).subscribe(sub);
      sub.awaitCount(oldBefore.events().size(), Duration.ofSeconds(10));
      assertThat(sub.events()).isEqualTo(oldBefore.events());
      assertThatThrownBy(() -> store().append(oldFailed, EventDraft.of(EventTypes.RUN_RESUMED)))
          .isInstanceOf(RunArchivedException.class)
          .hasMessageContaining("restore");
      assertThat(store().list(RunQuery.all()).runs()).hasSize(4);
      assertThat(store().auditLog("", 10)).extracting(e -> e.action()).containsOnly("archived");
      sub.cancel();
      if (isDurable()) {
        store().close();
        useStore(newStore(dir(), options().toBuilder().archive(archive).build()));
        assertSeen(old, oldBefore);
      }

      // a second sweep finds nothing left to do
      SweepReport again =
          RunArchiver.of(store(), archive, RetentionPolicy.keepFor(Duration.ofDays(7))).sweep();
      assertThat(again.archived()).isZero();
    }
  }

  @Test
  @DisplayName("a restored run is whole in the store again and takes appends")
  void restore_bringsRunBack() throws Exception {
    try (ArchiveStore archive = withArchive()) {
      RunId id = MovingRuns.write(store(), record(), 12, new Random(9), EventTypes.RUN_FAILED);
      Seen before = seen(id);
      RunArchiver archiver =
          RunArchiver.of(store(), archive, RetentionPolicy.keepFor(Duration.ZERO));
      assertThat(archiver.archive(id)).isPresent();
      assertThat(archiver.archive(id)).isEmpty(); // already archived

      assertThat(archiver.restore(id)).isTrue();

      assertThat(store().archived(id)).isEmpty();
      assertSeen(id, before);
      store().append(id, EventDraft.of(EventTypes.RUN_RESUMED));
      assertThat(store().verify(id).ok()).isTrue();
      assertThat(archiver.restore(id)).isFalse();
      assertThat(store().auditLog("", 10))
          .extracting(e -> e.action())
          .containsExactly("archived", "restored");
    }
  }

  @Test
  @DisplayName("an archived run read without an archive, or from a damaged one, fails clearly")
  void archivedRun_unavailableOrDamaged() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        isDurable(), "needs a store that keeps its runs when reopened without its archive");
    RunId id;
    Path eventsFile;
    try (ArchiveStore archive = withArchive()) {
      id = MovingRuns.write(store(), record(), 4, new Random(3), EventTypes.RUN_COMPLETED);
      ArchivedRun where =
          RunArchiver.of(store(), archive, RetentionPolicy.keepFor(Duration.ZERO))
              .archive(id)
              .orElseThrow();
      eventsFile = archiveDir().resolve(where.prefix() + "events.ndjson");
    }
    store().close();
    useStore(newStore(dir(), options()));
    assertThatThrownBy(() -> all(store(), id))
        .isInstanceOf(ArchiveUnavailableException.class)
        .hasMessageContaining("no archive configured");
    assertThat(store().entry(id)).isPresent();

    String text = Files.readString(eventsFile);
    Files.writeString(eventsFile, text.replace("line 1 ", "line 9 "));
    try (ArchiveStore archive = withArchive()) {
      assertThatThrownBy(() -> all(store(), id)).isInstanceOf(StoreCorruptedException.class);
      RunArchiver archiver =
          RunArchiver.of(store(), archive, RetentionPolicy.keepFor(Duration.ZERO));
      assertThatThrownBy(() -> archiver.restore(id)).isInstanceOf(StoreCorruptedException.class);
      assertThat(store().archived(id)).isPresent();
      // nor does an export copy the damaged events into a bundle (it used to, without a word)
      assertThatThrownBy(
              () -> RunBundles.export(store(), id, java.io.OutputStream.nullOutputStream()))
          .isInstanceOf(StoreCorruptedException.class)
          .hasMessageContaining("events.ndjson line 5: sequence 5 does not match its hash");
      Path bundle = dir().resolve("from-a-damaged-archive" + RunBundles.SUFFIX);
      assertThatThrownBy(() -> RunBundles.export(store(), id, bundle))
          .isInstanceOf(StoreCorruptedException.class);
      assertThat(bundle).doesNotExist();
    }
  }

  @ParameterizedTest(name = "hash chain {0}")
  @ValueSource(booleans = {true, false})
  @DisplayName("a page read of an archived run never hands out a damaged event")
  void archivedRun_pagedReadOfDamagedArchive(boolean chained) throws Exception {
    ArchiveStore archive = ArchiveStores.open("dir:" + archiveDir());
    store().close();
    useStore(newStore(dir(), options().toBuilder().archive(archive).hashChain(chained).build()));
    try (archive) {
      RunId id = MovingRuns.write(store(), record(), 20, new Random(8), EventTypes.RUN_COMPLETED);
      List<RunEvent> before = all(store(), id);
      ArchivedRun where =
          RunArchiver.of(store(), archive, RetentionPolicy.keepFor(Duration.ZERO))
              .archive(id)
              .orElseThrow();
      Path eventsFile = archiveDir().resolve(where.prefix() + "events.ndjson");
      String text = Files.readString(eventsFile);
      assertThat(before.get(13).payload().json()).contains("line 10 ");
      Files.writeString(eventsFile, text.replace("line 10 ", "line 90 ")); // sequence 14

      if (chained) {
        // the links vouch for every event up to the page's end: the page before the damage is
        // handed out, and the damaged event is refused where it is
        assertThat(store().read(id, 0, 13)).isEqualTo(before.subList(0, 13));
        assertThatThrownBy(() -> store().read(id, 13, 1))
            .isInstanceOf(StoreCorruptedException.class)
            .hasMessageContaining("events.ndjson line 14: sequence 14 does not match its hash");
      } else {
        // nothing vouches for a single event: a page is checked against the whole copy
        assertThatThrownBy(() -> store().read(id, 0, 13))
            .isInstanceOf(StoreCorruptedException.class)
            .hasMessageContaining("but the store archived");
        assertThatThrownBy(() -> store().read(id, 13, 1))
            .isInstanceOf(StoreCorruptedException.class)
            .hasMessageContaining("but the store archived");
      }
      assertThatThrownBy(() -> store().read(id, 20, 2)).isInstanceOf(StoreCorruptedException.class);
      assertThatThrownBy(() -> all(store(), id)).isInstanceOf(StoreCorruptedException.class);
      assertThat(store().archived(id)).isPresent();

      // a copy without its last event: every line left is intact, only the end can tell
      Files.writeString(
          eventsFile, text.substring(0, text.lastIndexOf('\n', text.length() - 2) + 1));
      if (chained) {
        assertThat(store().read(id, 0, 5)).isEqualTo(before.subList(0, 5));
      } else {
        assertThatThrownBy(() -> store().read(id, 0, 5))
            .isInstanceOf(StoreCorruptedException.class);
      }
      assertThatThrownBy(() -> all(store(), id))
          .isInstanceOf(StoreCorruptedException.class)
          .hasMessageContaining(
              chained
                  ? (before.size() - 1) + " events ending in hash chain link"
                  : (before.size() - 1) + " events with sha256")
          .hasMessageContaining("but the store archived " + before.size());
    }
  }

  @Test
  @DisplayName("a failing or lying archive leaves the run whole in the store and is reported")
  void faultyArchive_runStaysLocal() throws Exception {
    try (ArchiveStore real = withArchive()) {
      RunId a = MovingRuns.write(store(), record(), 6, new Random(1), EventTypes.RUN_COMPLETED);
      RunId b = MovingRuns.write(store(), record(), 6, new Random(2), EventTypes.RUN_COMPLETED);
      Seen beforeA = seen(a);
      Seen beforeB = seen(b);
      for (Fault fault : Fault.values()) {
        SweepReport r;
        try (ArchiveStore fresh = ArchiveStores.open("dir:" + dir().resolve("archive-" + fault))) {
          r =
              RunArchiver.of(
                      store(),
                      new FaultyArchive(fresh, fault),
                      RetentionPolicy.keepFor(Duration.ZERO))
                  .sweep();
        }
        assertThat(r.failed()).as("%s %s", fault, r).isEqualTo(2);
        assertThat(r.archived()).as(fault.name()).isZero();
        assertThat(r.failures().get(0).message())
            .as(fault.name())
            .contains("run stays in the store");
        assertThat(store().archived(a)).isEmpty();
        assertSeen(a, beforeA);
        assertSeen(b, beforeB);
        assertThat(store().lease(a)).isEmpty();
      }
      assertThat(
              RunArchiver.of(store(), real, RetentionPolicy.keepFor(Duration.ZERO))
                  .sweep()
                  .archived())
          .isEqualTo(2);
      assertSeen(a, beforeA);
    }
  }

  @Test
  @DisplayName("concurrent sweeps archive each run once")
  void concurrentSweeps_archiveOnce() throws Exception {
    try (ArchiveStore archive = withArchive()) {
      List<RunId> ids = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        ids.add(MovingRuns.write(store(), record(), 2, new Random(i), EventTypes.RUN_COMPLETED));
      }
      ExecutorService pool = Executors.newFixedThreadPool(3);
      try {
        List<Future<SweepReport>> sweeps = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          sweeps.add(
              pool.submit(
                  () ->
                      RunArchiver.of(store(), archive, RetentionPolicy.keepFor(Duration.ZERO))
                          .sweep()));
        }
        long archived = 0;
        for (Future<SweepReport> f : sweeps) {
          SweepReport r = f.get();
          assertThat(r.failed()).isZero();
          archived += r.archived();
        }
        assertThat(archived).isEqualTo(ids.size());
      } finally {
        pool.shutdownNow();
      }
      for (RunId id : ids) {
        assertThat(store().archived(id)).isPresent();
        assertThat(store().verify(id).ok()).isTrue();
      }
    }
  }

  @Test
  @DisplayName("deleting an archived run removes its archive copy too; export reads the archive")
  void archivedRun_exportAndDelete() throws Exception {
    try (ArchiveStore archive = withArchive()) {
      RunId id = MovingRuns.write(store(), record(), 8, new Random(4), EventTypes.RUN_COMPLETED);
      java.io.ByteArrayOutputStream before = new java.io.ByteArrayOutputStream();
      dev.runs.RunBundles.export(store(), id, before);
      RunArchiver.of(
              store(), archive, RetentionPolicy.keepFor(Duration.ZERO).within(RunSelection.all()))
          .sweep();
      java.io.ByteArrayOutputStream after = new java.io.ByteArrayOutputStream();
      dev.runs.RunBundles.export(store(), id, after);
      assertThat(after.toString(java.nio.charset.StandardCharsets.UTF_8).split("\n", 2)[1])
          .isEqualTo(before.toString(java.nio.charset.StandardCharsets.UTF_8).split("\n", 2)[1]);
      String prefix = store().archived(id).orElseThrow().prefix();

      store().delete(id, "retention over");

      assertThat(archive.list(prefix)).isEmpty();
      assertThat(store().entry(id)).isEmpty();
      try (Stream<Path> left = Files.walk(archiveDir())) {
        assertThat(left.filter(Files::isRegularFile)).isEmpty();
      }
    }
  }

  private enum Fault {
    PUT_FAILS,
    READ_BACK_DIFFERS,
    MANIFEST_LOST
  }

  /** An archive that fails or lies in one way. */
  private static final class FaultyArchive implements ArchiveStore {
    private final ArchiveStore real;
    private final Fault fault;

    FaultyArchive(ArchiveStore real, Fault fault) {
      this.real = real;
      this.fault = fault;
    }

    @Override
    public void put(String key, Path file) {
      if (fault == Fault.PUT_FAILS && key.endsWith("events.ndjson")) {
        throw new ArchiveUnavailableException("archive " + location() + ": injected put failure");
      }
      real.put(key, file);
    }

    @Override
    public void put(String key, byte[] bytes) {
      if (fault == Fault.MANIFEST_LOST
          && key.endsWith("/manifest.json")
          && !key.contains("/stages/")) {
        return; // acknowledged but never stored
      }
      real.put(key, bytes);
    }

    @Override
    public Optional<InputStream> open(String key) {
      Optional<InputStream> in = real.open(key);
      if (fault == Fault.READ_BACK_DIFFERS && key.endsWith("events.ndjson") && in.isPresent()) {
        try (InputStream s = in.get()) {
          byte[] b = s.readAllBytes();
          b[b.length / 2] ^= 1;
          return Optional.of(new ByteArrayInputStream(b));
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
      return in;
    }

    @Override
    public List<String> list(String prefix) {
      return real.list(prefix);
    }

    @Override
    public void delete(String key) {
      real.delete(key);
    }

    @Override
    public String location() {
      return real.location();
    }

    @Override
    public void close() {}
  }
}
