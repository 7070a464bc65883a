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
 * error.
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
    return EventLines.copy(
        id,
        envelopes(lines),
        lines.size(),
        dev.runs.RunStatus.RUNNING,
        OutputStream.nullOutputStream());
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
