package dev.runs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.BundleFormatException;
import dev.runs.ConfigDiff;
import dev.runs.EventTypes;
import dev.runs.ImportConflictException;
import dev.runs.ImportResult;
import dev.runs.Lineage;
import dev.runs.RunBundles;
import dev.runs.RunDeletedException;
import dev.runs.RunEntry;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunQuery;
import dev.runs.RunSelection;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.TransferListener;
import dev.runs.TransferProgress;
import dev.runs.TransferReport;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Bundles: a run exported from the store under test and imported into another store (of the same
 * kind, and the memory store) comes back identical, ids, sequences, times, hashes and stage files
 * included; re-import is a no-op; conflicts, deleted ids and damaged bundles are refused with the
 * target unchanged. The contract's {@code Bundles} group binds these tests to the store under test.
 */
abstract class RunStoreBundlesKit extends RunStoreKit {
  RunStoreBundlesKit(RunStoreContract contract) {
    super(contract);
  }

  private static byte[] export(RunStore store, RunId id) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    RunBundles.export(store, id, out);
    return out.toByteArray();
  }

  /** The bundle's lines, with the header's export time and its hash (which covers it) removed. */
  private static List<String> comparable(byte[] bundle) {
    List<String> lines =
        new ArrayList<>(Arrays.asList(new String(bundle, StandardCharsets.UTF_8).split("\n")));
    lines.set(
        0,
        lines
            .get(0)
            .replaceFirst("\"exported_at\":\"[^\"]*\",", "")
            .replaceFirst(",\"header_sha256\":\"[0-9a-f]{64}\"}$", "}"));
    return lines;
  }

  private RunStore secondStore(String name) {
    return newStore(dir().resolve(name), options());
  }

  private void assertSameRun(RunStore a, RunStore b, RunId id) {
    List<RunEvent> events = all(a, id);
    assertThat(all(b, id)).isEqualTo(events);
    RunEntry ea = a.entry(id).orElseThrow();
    RunEntry eb = b.entry(id).orElseThrow();
    assertThat(eb).isEqualTo(ea);
    assertThat(b.stages(id)).isEqualTo(a.stages(id));
    assertThat(MovingRuns.stageFiles(b, id)).containsExactlyEntriesOf(MovingRuns.stageFiles(a, id));
    assertThat(b.findByTrigger(ea.record().trigger().triggerId()).map(r -> r.id())).contains(id);
    assertThat(b.verify(id).ok()).isTrue();
  }

  @Test
  @DisplayName("export, import into a fresh store and export again give identical bundles")
  void roundTrip_sameKind_identical() throws IOException {
    Random random = new Random(7);
    RunId parent = MovingRuns.write(store(), record(), 40, random, EventTypes.RUN_COMPLETED);
    RunId child =
        MovingRuns.write(
            store(),
            recordBuilder()
                .lineage(
                    new Lineage(
                        parent, Lineage.Relation.REPLAY, Optional.of("cp-1"), ConfigDiff.empty()))
                .label("team", "kit")
                .threadKey("thread-1")
                .build(),
            3,
            random,
            EventTypes.RUN_FAILED);
    try (RunStore target = secondStore("target")) {
      for (RunId id : List.of(parent, child)) {
        byte[] bundle = export(store(), id);
        ImportResult r = RunBundles.importInto(target, new ByteArrayInputStream(bundle));
        assertThat(r.imported()).isTrue();
        assertThat(r.eventCount()).isEqualTo(store().entry(id).orElseThrow().lastSequence());
        assertSameRun(store(), target, id);
        assertThat(comparable(export(target, id))).isEqualTo(comparable(bundle));
      }
      assertThat(target.get(child).orElseThrow().lineage().orElseThrow().parentRunId())
          .isEqualTo(parent);
      assertThat(target.auditLog("", 10)).extracting(e -> e.action()).containsOnly("imported");
      // the imported run takes appends after its last event, chained
      RunId resumable = child;
      target.append(resumable, dev.runs.EventDraft.of(EventTypes.RUN_RESUMED));
      target.append(resumable, line(1));
      assertThat(target.entry(resumable).orElseThrow().lastSequence())
          .isEqualTo(store().entry(resumable).orElseThrow().lastSequence() + 2);
      assertThat(target.verify(resumable).ok()).isTrue();
    }
  }

  @Test
  @DisplayName("bundles move between this store and the memory store in both directions")
  void roundTrip_withMemory_identical() throws IOException {
    for (long seed = 11; seed < 14; seed++) {
      Random random = new Random(seed);
      try (RunStore memory = RunStores.open("memory:", options())) {
        RunId mine =
            MovingRuns.write(
                store(), record(), random.nextInt(200), random, EventTypes.RUN_COMPLETED);
        byte[] fromHere = export(store(), mine);
        RunBundles.importInto(memory, new ByteArrayInputStream(fromHere));
        assertThat(comparable(export(memory, mine)))
            .as("seed %d", seed)
            .isEqualTo(comparable(fromHere));

        RunId theirs =
            MovingRuns.write(
                memory, record(), random.nextInt(200), random, EventTypes.RUN_CANCELLED);
        byte[] fromMemory = export(memory, theirs);
        RunBundles.importInto(store(), new ByteArrayInputStream(fromMemory));
        assertSameRun(memory, store(), theirs);
        assertThat(comparable(export(store(), theirs)))
            .as("seed %d", seed)
            .isEqualTo(comparable(fromMemory));
      }
    }
    if (isDurable()) {
      List<RunEntry> before = store().list(RunQuery.all()).runs();
      reopen();
      assertThat(store().list(RunQuery.all()).runs()).isEqualTo(before);
    }
  }

  @Test
  @DisplayName("importing the same bundle again changes nothing")
  void importTwice_noOp() {
    RunId id = MovingRuns.write(store(), record(), 5, new Random(1), EventTypes.RUN_COMPLETED);
    byte[] bundle = export(store(), id);
    ImportResult again = RunBundles.importInto(store(), new ByteArrayInputStream(bundle));
    assertThat(again.imported()).isFalse();
    assertThat(again.runId()).isEqualTo(id);
    assertThat(store().auditLog("", 10)).isEmpty();
  }

  @Test
  @DisplayName(
      "a different run under an existing id or trigger id is a conflict and changes nothing")
  void importConflict_refused() {
    RunId id = RunId.of("kit/conflict");
    try (RunStore other = RunStores.open("memory:", options())) {
      MovingRuns.write(
          other, recordBuilder().id(id).build(), 3, new Random(1), EventTypes.RUN_COMPLETED);
      MovingRuns.write(
          store(), recordBuilder().id(id).build(), 4, new Random(2), EventTypes.RUN_COMPLETED);
      List<RunEvent> before = all(store(), id);
      byte[] bundle = export(other, id);
      assertThatThrownBy(() -> RunBundles.importInto(store(), new ByteArrayInputStream(bundle)))
          .isInstanceOf(ImportConflictException.class)
          .hasMessageContaining(id.value());
      assertThat(all(store(), id)).isEqualTo(before);
    }
  }

  @Test
  @DisplayName("a deleted run's bundle is refused unless forced")
  void importDeleted_needsForce() throws IOException {
    RunId id = MovingRuns.write(store(), record(), 3, new Random(1), EventTypes.RUN_COMPLETED);
    Path file = dir().resolve("deleted.runs.ndjson");
    RunBundles.export(store(), id, file);
    store().delete(id, "test");
    assertThatThrownBy(() -> RunBundles.importInto(store(), file))
        .isInstanceOf(RunDeletedException.class)
        .hasMessageContaining("force");
    assertThat(store().entry(id)).isEmpty();
    assertThat(RunBundles.forceImportInto(store(), file).imported()).isTrue();
    assertThat(store().tombstone(id)).isEmpty();
    assertThat(all(store(), id)).hasSize(7);
  }

  @Test
  @DisplayName(
      "truncated, tampered and malformed bundles are refused with the line, and nothing is written")
  void damagedBundles_refused() {
    RunId id = MovingRuns.write(store(), record(), 10, new Random(1), EventTypes.RUN_COMPLETED);
    byte[] good = export(store(), id);
    String text = new String(good, StandardCharsets.UTF_8);
    List<String> lines = Arrays.asList(text.split("\n"));
    store().delete(id, "make room");
    List<UnaryOperator<String>> damages =
        List.of(
            t -> t.substring(0, t.length() / 2), // truncated mid-line
            t -> String.join("\n", lines.subList(0, lines.size() - 3)) + "\n", // lines dropped
            t -> t.replace("line 3 ", "line 4 "), // an event edited
            t -> t.replaceFirst("\"sequence\":5,", "\"sequence\":6,"), // a gap
            t -> t.replace("\"schema\":\"runs.bundle/1\"", "\"schema\":\"runs.bundle/9\""),
            t -> t.replaceFirst("\"base64\":\"[A-Za-z0-9+/]", "\"base64\":\"A"), // stage file
            t -> "not json\n" + t,
            t -> "",
            t -> t + "{\"stage_file\":{}}\n",
            // only the end of the events can tell these: checked before the last event is written
            t -> t.replaceFirst("\"events_sha256\":\"[0-9a-f]", "\"events_sha256\":\"g"),
            t -> t.replaceFirst("\"event_count\":[0-9]+,", "\"event_count\":999,"),
            // only the header's own hash can tell these: a valid header of another run
            t -> t.replaceFirst("\"kind\":\"report\"", "\"kind\":\"repart\""),
            t -> t.replaceFirst(",\"header_sha256\":\"[0-9a-f]{64}\"}", "}"));
    int n = 0;
    for (UnaryOperator<String> damage : damages) {
      byte[] bad = damage.apply(text).getBytes(StandardCharsets.UTF_8);
      int index = n++;
      assertThatThrownBy(() -> RunBundles.forceImportInto(store(), write(bad, index)))
          .as("damage %d", index)
          .isInstanceOf(BundleFormatException.class)
          .hasMessageContaining("nothing was imported");
      assertThat(store().entry(id)).as("damage %d", index).isEmpty();
    }
    assertThat(RunBundles.forceImportInto(store(), write(good, 99)).imported()).isTrue();
    store().delete(id, "make room again");
    byte[] relabelled =
        text.replaceFirst("\"kind\":\"report\"", "\"kind\":\"repart\"")
            .getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> RunBundles.forceImportInto(store(), write(relabelled, 100)))
        .isInstanceOf(BundleFormatException.class)
        .hasMessageContaining("line 1")
        .hasMessageContaining("the header is damaged: its sha256 is");
  }

  /** Characters a random damage puts into a bundle: JSON's, digits, escapes, non-ASCII. */
  private static final String DAMAGE = "0123456789abcdefxyz\"{}[],:\\ \n.-+eE/é✓\u0000";

  @Test
  @DisplayName(
      "randomly damaged bundles are refused with a typed error and nothing written, or import the"
          + " very run")
  void randomlyDamagedBundles_refusedOrTheSameRun() {
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    String why = "seed " + seed + " (RunStoreBundlesKit, a damaged bundle)";
    RunId parent = MovingRuns.write(store(), record(), 4, random, EventTypes.RUN_COMPLETED);
    RunId id =
        MovingRuns.write(
            store(),
            recordBuilder()
                .lineage(
                    new Lineage(
                        parent, Lineage.Relation.RERUN, Optional.empty(), ConfigDiff.empty()))
                .label("team", "kit")
                .build(),
            6,
            random,
            EventTypes.RUN_FAILED);
    String good = new String(export(store(), id), StandardCharsets.UTF_8);
    List<RunEvent> events = all(store(), id);
    RunEntry entry = store().entry(id).orElseThrow();
    var stages = store().stages(id);
    store().delete(id, "make room");
    for (int c = 0; c < 300; c++) {
      StringBuilder t = new StringBuilder(good);
      for (int k = 1 + random.nextInt(2); k > 0 && t.length() > 0; k--) {
        int at = random.nextInt(t.length());
        switch (random.nextInt(5)) {
          case 0 -> t.setCharAt(at, DAMAGE.charAt(random.nextInt(DAMAGE.length())));
          case 1 -> t.insert(at, DAMAGE.charAt(random.nextInt(DAMAGE.length())));
          case 2 -> t.deleteCharAt(at);
          case 3 -> {
            int to = Math.min(t.length(), at + 1 + random.nextInt(200));
            t.insert(random.nextInt(t.length()), t.substring(at, to));
          }
          default -> t.setLength(at);
        }
      }
      Path bad = write(t.toString().getBytes(StandardCharsets.UTF_8), 1000 + c);
      String as = why + ", case " + c;
      try {
        RunBundles.forceImportInto(store(), bad);
      } catch (dev.runs.RunsException e) {
        assertThat(e).as(as).isInstanceOf(BundleFormatException.class);
        assertThat(store().entry(id)).as(as).isEmpty();
        continue;
      } catch (RuntimeException e) {
        throw new AssertionError(as + ": an untyped " + e, e);
      }
      // a harmless damage (the export time, a stage file line's spelling): the very run
      assertThat(all(store(), id)).as(as).isEqualTo(events);
      assertThat(store().entry(id)).as(as).contains(entry);
      assertThat(store().stages(id)).as(as).isEqualTo(stages);
      assertThat(store().verify(id).ok()).as(as).isTrue();
      store().delete(id, "make room again");
    }
  }

  private Path write(byte[] bytes, int n) {
    try {
      return Files.write(dir().resolve("damaged-" + n + ".runs.ndjson"), bytes);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  @DisplayName(
      "bulk export, import and copy move every selected run, skip what is there, report progress")
  void bulk_exportImportCopy_resumable() throws IOException {
    List<RunId> ids = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      ids.add(
          MovingRuns.write(
              store(),
              recordBuilder().label("batch", i % 2 == 0 ? "even" : "odd").build(),
              i,
              new Random(i),
              EventTypes.RUN_COMPLETED));
    }
    Path out = dir().resolve("bundles");
    List<TransferProgress> seen = new ArrayList<>();
    TransferReport first =
        RunBundles.exportAll(
            store(), RunSelection.all().withLabel("batch", "even"), out, seen::add);
    assertThat(first.ok()).isTrue();
    assertThat(first.progress().runsDone()).isEqualTo(3);
    assertThat(seen).hasSize(3);
    assertThat(seen.get(2).runsTotal()).isEqualTo(3);
    TransferReport again =
        RunBundles.exportAll(store(), RunSelection.all(), out, TransferListener.NONE);
    assertThat(again.progress().runsSkipped()).isEqualTo(3);
    assertThat(again.progress().runsDone()).isEqualTo(3);

    try (RunStore target = secondStore("bulk-target")) {
      TransferReport in = RunBundles.importAll(target, out, TransferListener.NONE);
      assertThat(in.ok()).isTrue();
      assertThat(in.progress().runsDone()).isEqualTo(6);
      assertThat(RunBundles.importAll(target, out, TransferListener.NONE).progress().runsSkipped())
          .isEqualTo(6);
      for (RunId id : ids) {
        assertSameRun(store(), target, id);
      }
    }
    try (RunStore copy = secondStore("copy-target")) {
      TransferReport c =
          RunBundles.copyAll(store(), copy, RunSelection.all(), TransferListener.NONE);
      assertThat(c.progress().runsDone()).isEqualTo(6);
      assertThat(c.progress().events()).isGreaterThan(6 * 6);
      assertThat(
              RunBundles.copyAll(store(), copy, RunSelection.all(), TransferListener.NONE)
                  .progress()
                  .runsSkipped())
          .isEqualTo(6);
      assertSameRun(store(), copy, ids.get(5));
    }
  }
}
