package dev.runs.store.file;

import static dev.runs.store.file.FileRunStoreTest.assertNoTmpFiles;
import static dev.runs.store.file.FileRunStoreTest.startedRun;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.Payload;
import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.StageArtifact;
import dev.runs.StageManifest;
import dev.runs.StageWrite;
import dev.runs.ValidationException;
import dev.runs.spi.RunStoreFactory;
import dev.runs.spi.Sha256;
import dev.runs.spi.StoreLocation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What stage writers that died leave behind, and who may remove it. */
final class StageStoreTest {
  @TempDir Path tmp;
  Path root;
  final List<RunStore> opened = new ArrayList<>();

  @BeforeEach
  void setUp() {
    root = tmp.resolve("store");
  }

  @AfterEach
  void closeAll() {
    for (RunStore s : opened) {
      s.close();
    }
  }

  RunStore open(ChannelOpener opener) {
    StoreLocation loc = StoreLocation.parse("file:" + root + "?poll_ms=0");
    RunStore s = RunStoreFactory.create(FileRunStoreProvider.openEngine(loc, opener), loc);
    opened.add(s);
    return s;
  }

  RunStore open() {
    return open(ChannelOpener.DEFAULT);
  }

  Path stages(RunId id) {
    return root.resolve("runs").resolve(id.value()).resolve("stages");
  }

  static StageWrite full(String key) {
    return StageWrite.of(key)
        .withInput(Payload.of(Map.of("in", key)))
        .withOutput(Payload.of(Map.of("out", key)))
        .withArtifact(
            StageArtifact.of("big.bin", "bin", (key + " bytes").getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * @return every regular file below {@code dir}: its path relative to {@code dir} and its sha256
   */
  static Map<String, String> hashes(Path dir) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        out.put(dir.relativize(p).toString(), Sha256.hex(Files.readAllBytes(p)));
      }
    }
    return out;
  }

  /** A run with complete stages and what dead writers left, as {@link #planted()} makes it. */
  record Planted(RunId id, Map<String, String> complete) {}

  /**
   * Writes two complete stages, closes the store and leaves what killed writers leave: attempt 2 of
   * fetch with a finished input.json and a partial artifact, and stage 03-draft whose only attempt
   * holds a partial output.json.
   *
   * @return the run and the hashes of its complete attempts' files, relative to its stages
   *     directory
   */
  Planted planted() throws IOException {
    RunStore first = open();
    RunId id = startedRun(first, "", 0);
    assertThat(first.writeStage(id, full("fetch")).position()).isEqualTo(1);
    assertThat(first.writeStage(id, full("report")).position()).isEqualTo(2);
    first.close();
    Map<String, String> complete = hashes(stages(id));
    assertThat(complete)
        .containsKeys("01-fetch/attempt-1/manifest.json", "02-report/attempt-1/manifest.json");

    Path fetch2 = stages(id).resolve("01-fetch/attempt-2");
    Files.createDirectories(fetch2.resolve("artifacts"));
    Files.writeString(fetch2.resolve("input.json"), "{\"in\":\"fetch\"}");
    Files.write(fetch2.resolve("artifacts/.big.bin.1f2e3d4c5b6a7980.tmp"), new byte[256 * 1024]);
    Path draft1 = stages(id).resolve("03-draft/attempt-1");
    Files.createDirectories(draft1);
    Files.writeString(draft1.resolve(".output.json.0a1b2c3d4e5f6071.tmp"), "{\"out\":\"dr");
    return new Planted(id, complete);
  }

  @Test
  @DisplayName(
      "after a reopen the first stage write removes dead writers' attempts, leaves complete ones"
          + " byte for byte, and numbers as if the dead writes never started")
  void reopen_firstWrite_removesDeadAttempts_keepsComplete_reusesNumbers() throws Exception {
    Planted planted = planted();
    RunId id = planted.id();
    Map<String, String> complete = planted.complete();

    RunStore reopened = open();
    StageManifest fetch2 = reopened.writeStage(id, full("fetch"));

    assertThat(fetch2.attempt()).as("the dead attempt's number is free again").isEqualTo(2);
    assertThat(fetch2.position()).isEqualTo(1);
    assertThat(stages(id).resolve("03-draft")).doesNotExist();
    assertNoTmpFiles(root);
    Map<String, String> now = hashes(stages(id));
    assertThat(now).containsAllEntriesOf(complete);
    assertThat(now.keySet())
        .filteredOn(p -> p.startsWith("01-fetch/attempt-2/"))
        .containsExactlyInAnyOrder(
            "01-fetch/attempt-2/input.json",
            "01-fetch/attempt-2/output.json",
            "01-fetch/attempt-2/artifacts/big.bin",
            "01-fetch/attempt-2/manifest.json");
    assertThat(reopened.stages(id))
        .extracting(m -> m.stageKey() + "#" + m.attempt() + "@" + m.position())
        .containsExactly("fetch#1@1", "fetch#2@1", "report#1@2");
    for (StageManifest m : reopened.stages(id)) {
      assertThat(reopened.verifyStage(id, m.stageKey(), m.attempt()).ok()).isTrue();
    }
    StageManifest draft = reopened.writeStage(id, full("draft"));
    assertThat(draft.attempt()).isEqualTo(1);
    assertThat(draft.position())
        .as("a stage that never completed holds no position: the next free one")
        .isEqualTo(3);
  }

  @Test
  @DisplayName("after a reopen the first stage read removes dead writers' attempts as well")
  void reopen_firstRead_removesDeadAttempts() throws Exception {
    Planted planted = planted();
    RunId id = planted.id();
    Map<String, String> complete = planted.complete();

    RunStore reopened = open();
    assertThat(reopened.stages(id))
        .extracting(m -> m.stageKey() + "#" + m.attempt())
        .containsExactly("fetch#1", "report#1");

    assertThat(hashes(stages(id))).isEqualTo(complete);
    assertThat(stages(id).resolve("01-fetch/attempt-2")).doesNotExist();
    assertThat(stages(id).resolve("03-draft")).doesNotExist();
    assertNoTmpFiles(root);
    assertThatThrownBy(() -> reopened.verifyStage(id, "fetch", 2))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("has no stage 'fetch' attempt 2");
    assertThat(reopened.writeStage(id, full("fetch").withAttempt(2)).attempt()).isEqualTo(2);
  }

  @Test
  @DisplayName(
      "a writer that died after this store swept the run is cleaned up by the next write of its"
          + " stage, which takes its number")
  void deadWriterOfAnotherProcess_nextWriteOfItsStage_removesAndReuses() throws Exception {
    RunStore store = open();
    RunId id = startedRun(store, "", 0);
    store.writeStage(id, full("fetch"));
    Path dead = stages(id).resolve("01-fetch/attempt-2/artifacts");
    Files.createDirectories(dead);
    Files.write(dead.resolve(".big.bin.00000000000000aa.tmp"), new byte[1024]);

    StageManifest m = store.writeStage(id, full("fetch"));

    assertThat(m.attempt()).isEqualTo(2);
    assertThat(store.verifyStage(id, "fetch", 2).ok()).isTrue();
    assertNoTmpFiles(root);
  }

  @Test
  @DisplayName(
      "the attempt of a live writer held mid-artifact survives another store's sweep and write, and"
          + " completes")
  void liveWriter_attemptSurvivesSweepOfAnotherStore() throws Exception {
    FaultyOpener faulty = new FaultyOpener();
    RunStore writer = open(faulty);
    RunId id = startedRun(writer, "", 0);
    writer.writeStage(id, full("fetch"));
    faulty.target = p -> p.getFileName().toString().startsWith(".big.bin.");
    CountDownLatch gate = new CountDownLatch(1);
    faulty.gateReached = new CountDownLatch(1);
    faulty.gate = gate;
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<StageManifest> held = pool.submit(() -> writer.writeStage(id, full("fetch")));
      assertThat(faulty.gateReached.await(30, TimeUnit.SECONDS)).isTrue();
      Path live = stages(id).resolve("01-fetch/attempt-2");
      assertThat(live.resolve("input.json")).isRegularFile();
      assertThat(live.resolve("manifest.json")).doesNotExist();

      RunStore other = open();
      assertThat(other.stages(id)).extracting(StageManifest::attempt).containsExactly(1);
      assertThat(other.writeStage(id, full("fetch")).attempt()).isEqualTo(3);
      assertThat(live.resolve("input.json")).isRegularFile();
      try (Stream<Path> s = Files.list(live.resolve("artifacts"))) {
        assertThat(s.map(p -> p.getFileName().toString()))
            .singleElement()
            .matches(n -> n.startsWith(".big.bin.") && n.endsWith(".tmp"));
      }

      gate.countDown();
      assertThat(held.get(30, TimeUnit.SECONDS).attempt()).isEqualTo(2);
      assertThat(other.stages(id)).extracting(StageManifest::attempt).containsExactly(1, 2, 3);
      assertThat(other.verifyStage(id, "fetch", 2).ok()).isTrue();
      assertNoTmpFiles(root);
    } finally {
      gate.countDown();
      pool.shutdownNow();
    }
  }
}
