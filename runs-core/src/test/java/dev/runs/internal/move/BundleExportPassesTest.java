package dev.runs.internal.move;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.ArchiveStore;
import dev.runs.ArchiveStores;
import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.Payload;
import dev.runs.RetentionPolicy;
import dev.runs.RunArchiver;
import dev.runs.RunDeletedException;
import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.RunStoreOptions;
import dev.runs.RunStores;
import dev.runs.StageArtifact;
import dev.runs.StageWrite;
import dev.runs.StoreCorruptedException;
import dev.runs.StoreIoException;
import dev.runs.spi.EnvelopeStream;
import dev.runs.testsupport.TestRuns;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Export without a spool file: to a file in one pass with the header written last into room left
 * for it, to a stream in two passes over the stored envelopes. Both give the same bytes (the format
 * does not depend on the target), for live and archived runs; a second pass that reads other bytes
 * than the first is found, and a run deleted, archived or replaced between the passes is a typed
 * error. Copying the envelopes as one stream of lines in blocks gives what copying them one by one
 * gives, and a stream that is not the run's lines up to its head is found.
 */
final class BundleExportPassesTest {
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-12-06T10:00:00.123456Z"), ZoneOffset.UTC);

  @TempDir Path dir;

  private RunStore store;
  private RunId id;

  @BeforeEach
  void run() {
    store = RunStores.open("memory:", RunStoreOptions.builder().clock(CLOCK).build());
    id = TestRuns.startedRun(store);
    for (int i = 0; i < 1500; i++) {
      store.append(id, EventDraft.of("x.acme.note", Map.of("text", "héllo " + i)));
    }
    store.writeStage(
        id,
        StageWrite.of("report")
            .withOutput(Payload.of(Map.of("ok", true)))
            .withArtifact(
                StageArtifact.of("a.txt", "text", "abc".getBytes(StandardCharsets.UTF_8))));
    store.append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void export_fileAndStream_sameBytes() throws IOException {
    Path file = dir.resolve("run" + dev.runs.RunBundles.SUFFIX);
    Bundles.Exported toFile = Bundles.export(store, id, file);
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    Bundles.Exported toStream = Bundles.export(store, id, stream);

    byte[] bytes = Files.readAllBytes(file);
    assertThat(bytes).isEqualTo(stream.toByteArray());
    assertThat(toFile).isEqualTo(toStream);
    assertThat(toFile.bytes()).isEqualTo(bytes.length);
    assertThat(toFile.eventCount()).isEqualTo(1503);
    assertThat(new String(bytes, StandardCharsets.UTF_8))
        .startsWith("{\"schema\":\"runs.bundle/1\"");
  }

  @Test
  void exportToStream_heldOrOverflowingOrReadTwice_sameBytes() throws IOException {
    ByteArrayOutputStream held = new ByteArrayOutputStream();
    Bundles.Lines once = Bundles.exportLines(store, id, held, false);
    ByteArrayOutputStream readTwice = new ByteArrayOutputStream();
    Bundles.Lines twice = Bundles.exportLines(store, id, readTwice, false, 0);
    ByteArrayOutputStream heldJustEnough = new ByteArrayOutputStream();
    Bundles.exportLines(store, id, heldJustEnough, false, once.exported().bytes());
    ByteArrayOutputStream heldHalf = new ByteArrayOutputStream();
    Bundles.exportLines(store, id, heldHalf, false, once.exported().bytes() / 2);

    assertThat(readTwice.toByteArray()).isEqualTo(held.toByteArray());
    assertThat(heldJustEnough.toByteArray()).isEqualTo(held.toByteArray());
    assertThat(heldHalf.toByteArray()).isEqualTo(held.toByteArray());
    assertThat(twice).isEqualTo(once);
  }

  @Test
  void export_fileAndStreamOfAnArchivedRun_sameBytesAsBeforeArchiving() throws IOException {
    try (ArchiveStore archive = ArchiveStores.open("dir:" + dir.resolve("archive"));
        RunStore archiving =
            RunStores.open(
                "memory:", RunStoreOptions.builder().clock(CLOCK).archive(archive).build())) {
      RunId archived = TestRuns.startedRun(archiving);
      archiving.append(archived, EventDraft.of(EventTypes.RUN_COMPLETED));
      ByteArrayOutputStream before = new ByteArrayOutputStream();
      Bundles.export(archiving, archived, before);
      RunArchiver.of(archiving, archive, RetentionPolicy.keepFor(Duration.ZERO)).archive(archived);
      assertThat(RunMoves.of(archiving).engine().stub(archived)).isPresent();

      Path file = dir.resolve("archived" + dev.runs.RunBundles.SUFFIX);
      Bundles.export(archiving, archived, file);
      ByteArrayOutputStream stream = new ByteArrayOutputStream();
      Bundles.export(archiving, archived, stream);

      assertThat(Files.readAllBytes(file)).isEqualTo(before.toByteArray());
      assertThat(stream.toByteArray()).isEqualTo(before.toByteArray());
    }
  }

  @Test
  void copyAgain_sameEnvelopes_true() throws IOException {
    List<byte[]> lines = lines(5);
    EventLines.Written first = first(lines);
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    assertThat(EventLines.copyAgain(id, envelopes(lines), first, out)).isTrue();
    assertThat(out.size()).isEqualTo(first.bytes());
  }

  @Test
  void copyAgain_oneByteChanged_false() throws IOException {
    List<byte[]> lines = lines(5);
    EventLines.Written first = first(lines);
    List<byte[]> changed = new ArrayList<>(lines);
    byte[] third = changed.get(2).clone();
    third[third.length - 3] ^= 1;
    changed.set(2, third);

    assertThat(EventLines.copyAgain(id, envelopes(changed), first, OutputStream.nullOutputStream()))
        .isFalse();
  }

  @Test
  void copyAgain_fewerEnvelopes_false() throws IOException {
    List<byte[]> lines = lines(5);
    EventLines.Written first = first(lines);

    assertThat(
            EventLines.copyAgain(
                id, envelopes(lines.subList(0, 4)), first, OutputStream.nullOutputStream()))
        .isFalse();
  }

  @Test
  void copyLines_allLines_sameCountHashHeadAndBytesAsCopy() throws IOException {
    List<byte[]> lines = lines(Integer.MAX_VALUE);
    EventLines.Written byEnvelope = first(lines, dev.runs.RunStatus.COMPLETED);
    byte[] joined = joined(lines);
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    EventLines.Written byBlocks =
        EventLines.copyLines(
            id,
            trickling(joined),
            lines.size(),
            dev.runs.RunStatus.COMPLETED,
            lines.get(lines.size() - 1),
            null,
            out);

    assertThat(joined.length).as("more than one block").isGreaterThan(EventLines.LINES_BLOCK);
    assertThat(out.toByteArray()).isEqualTo(joined);
    assertThat(byBlocks.count()).isEqualTo(byEnvelope.count());
    assertThat(byBlocks.sha256()).isEqualTo(byEnvelope.sha256());
    assertThat(byBlocks.head()).isEqualTo(byEnvelope.head());
    assertThat(byBlocks.bytes()).isEqualTo(byEnvelope.bytes());
    assertThat(EventLines.copyLinesAgain(trickling(joined), byBlocks, out)).isTrue();
  }

  @Test
  void copyLines_aLineMissing_storeCorrupted() {
    List<byte[]> lines = lines(5);
    byte[] joined = joined(lines.subList(1, 5));

    assertThatThrownBy(() -> copyFiveLines(joined, lines.get(4)))
        .isInstanceOf(StoreCorruptedException.class)
        .hasMessageContaining("are 4 lines of " + joined.length + " bytes");
  }

  @Test
  void copyLines_endsWithAnotherLine_storeCorrupted() {
    List<byte[]> lines = new ArrayList<>(lines(5));
    byte[] fifth = lines.get(4);
    lines.set(4, lines.get(3));
    lines.set(3, fifth);

    assertThatThrownBy(() -> copyFiveLines(joined(lines), fifth))
        .isInstanceOf(StoreCorruptedException.class)
        .hasMessageContaining("do not end with the envelope read as sequence 5");
  }

  @Test
  void copyLinesAgain_oneByteChangedOrShorter_false() throws IOException {
    List<byte[]> lines = lines(5);
    byte[] joined = joined(lines);
    EventLines.Written first = copyFiveLines(joined, lines.get(4));
    byte[] changed = joined.clone();
    changed[changed.length / 2] ^= 1;

    assertThat(
            EventLines.copyLinesAgain(
                new java.io.ByteArrayInputStream(changed), first, OutputStream.nullOutputStream()))
        .isFalse();
    assertThat(
            EventLines.copyLinesAgain(
                new java.io.ByteArrayInputStream(joined, 0, joined.length - 1),
                first,
                OutputStream.nullOutputStream()))
        .isFalse();
  }

  @Test
  void changed_runDeleted_runDeletedException() {
    RunMoves.of(store).delete(id, "test");

    assertThat(Bundles.changed(store, RunMoves.of(store), id))
        .isInstanceOf(RunDeletedException.class);
  }

  @Test
  void changed_runArchived_storeIoExceptionSayingSo() {
    try (ArchiveStore archive = ArchiveStores.open("dir:" + dir.resolve("archive"))) {
      RunArchiver.of(store, archive, RetentionPolicy.keepFor(Duration.ZERO)).archive(id);
    }

    assertThat(Bundles.changed(store, RunMoves.of(store), id))
        .isInstanceOf(StoreIoException.class)
        .hasMessageContaining("was archived while it was exported");
  }

  @Test
  void changed_runStillThere_storeCorrupted() {
    assertThat(Bundles.changed(store, RunMoves.of(store), id))
        .isInstanceOf(StoreCorruptedException.class)
        .hasMessageContaining("second read");
  }

  @Test
  void export_runDeleted_runDeletedException() {
    RunMoves.of(store).delete(id, "test");

    assertThatThrownBy(() -> Bundles.export(store, id, dir.resolve("x.runs.ndjson")))
        .isInstanceOf(RunDeletedException.class);
    assertThat(dir.resolve("x.runs.ndjson")).doesNotExist();
  }

  private List<byte[]> lines(int n) {
    List<byte[]> lines = new ArrayList<>();
    try (EnvelopeStream s = RunMoves.of(store).engine().readEnvelopes(id, 0)) {
      while (lines.size() < n && s.advance()) {
        lines.add(s.utf8());
      }
    }
    return lines;
  }

  private EventLines.Written first(List<byte[]> lines) throws IOException {
    return first(lines, dev.runs.RunStatus.RUNNING);
  }

  private EventLines.Written first(List<byte[]> lines, dev.runs.RunStatus status)
      throws IOException {
    return EventLines.copy(
        id, envelopes(lines), lines.size(), status, OutputStream.nullOutputStream());
  }

  /**
   * {@link EventLines#copyLines} of a stream that should hold five lines ending with {@code last}.
   */
  private EventLines.Written copyFiveLines(byte[] stream, byte[] last) throws IOException {
    return EventLines.copyLines(
        id,
        new java.io.ByteArrayInputStream(stream),
        5,
        dev.runs.RunStatus.RUNNING,
        last,
        null,
        OutputStream.nullOutputStream());
  }

  /** The lines, each with its line feed. */
  private static byte[] joined(List<byte[]> lines) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] line : lines) {
      out.write(line, 0, line.length);
      out.write('\n');
    }
    return out.toByteArray();
  }

  /** A stream that hands over at most 1,000 bytes a read, so blocks are filled by several. */
  private static java.io.InputStream trickling(byte[] bytes) {
    return new java.io.ByteArrayInputStream(bytes) {
      @Override
      public synchronized int read(byte[] b, int off, int len) {
        return super.read(b, off, Math.min(len, 1000));
      }
    };
  }

  private static EnvelopeStream envelopes(List<byte[]> lines) {
    return new EnvelopeStream() {
      private int at = -1;

      @Override
      public boolean advance() {
        if (at + 1 >= lines.size()) {
          return false;
        }
        at++;
        return true;
      }

      @Override
      public long sequence() {
        return at + 1L;
      }

      @Override
      public byte[] utf8() {
        return lines.get(at);
      }

      @Override
      public void close() {}
    };
  }
}
