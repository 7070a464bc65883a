package dev.runs.store.file;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runs.ConfigSnapshot;
import dev.runs.EventCodec;
import dev.runs.EventDraft;
import dev.runs.EventId;
import dev.runs.EventStream;
import dev.runs.EventTypes;
import dev.runs.Payload;
import dev.runs.RunChange;
import dev.runs.RunEntry;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import dev.runs.RunQuery;
import dev.runs.RunRecord;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.StageArtifact;
import dev.runs.StageExistsException;
import dev.runs.StageManifest;
import dev.runs.StageVerification;
import dev.runs.StageWrite;
import dev.runs.StoreConfigurationException;
import dev.runs.StoreCorruptedException;
import dev.runs.StoreIoException;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.ValidationException;
import dev.runs.WorkflowRef;
import dev.runs.spi.RunStoreFactory;
import dev.runs.spi.Sha256;
import dev.runs.spi.StoreLocation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class FileRunStoreTest {
  private static final ObjectMapper JSON = new ObjectMapper();

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

  // ---- helpers
  // -----------------------------------------------------------------------------------

  RunStore open() {
    return open(root, ChannelOpener.DEFAULT);
  }

  RunStore open(Path dir, ChannelOpener opener) {
    StoreLocation loc = StoreLocation.parse("file:" + dir + "?poll_ms=0");
    RunStore s = RunStoreFactory.create(FileRunStoreProvider.openEngine(loc, opener), loc);
    opened.add(s);
    return s;
  }

  static RunRecord.Builder record() {
    return RunRecord.builder(
        WorkflowRef.of("w", "1"),
        ConfigSnapshot.empty(),
        Trigger.of(TriggerSource.TEST, "t-" + UUID.randomUUID()));
  }

  static EventDraft line(int n) {
    return EventDraft.of(
        EventTypes.CONSOLE_LINE, Payload.of(Map.of("stream", "stdout", "text", "line " + n)));
  }

  static RunId startedRun(RunStore store, String namespace, int lines) {
    RunId id = store.create(record().namespace(namespace).build()).record().id();
    store.append(id, EventDraft.of(EventTypes.RUN_STARTED));
    for (int i = 0; i < lines; i++) {
      store.append(id, line(i));
    }
    return id;
  }

  static List<RunEvent> all(RunStore store, RunId id) {
    try (EventStream s = store.read(id, 0)) {
      List<RunEvent> out = new ArrayList<>();
      s.forEachRemaining(out::add);
      return out;
    }
  }

  Path runDir(RunId id) {
    return root.resolve("runs").resolve(id.value());
  }

  Path log(RunId id) {
    return runDir(id).resolve("events.ndjson");
  }

  static List<Path> files(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
    }
  }

  static void assertNoTmpFiles(Path dir) throws IOException {
    assertThat(files(dir)).noneMatch(p -> p.getFileName().toString().endsWith(".tmp"));
  }

  static void assertGapless(List<RunEvent> events, int size) {
    assertThat(events).hasSize(size);
    for (int i = 0; i < events.size(); i++) {
      assertThat(events.get(i).sequence()).isEqualTo(i + 1);
    }
  }

  static void await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within " + timeout);
      }
      Thread.sleep(10);
    }
  }

  /** Byte offsets where each line of a file starts, plus the file length at the end. */
  static long[] lineStarts(byte[] b) {
    List<Long> starts = new ArrayList<>();
    starts.add(0L);
    for (int i = 0; i < b.length; i++) {
      if (b[i] == '\n') {
        starts.add((long) i + 1);
      }
    }
    return starts.stream().mapToLong(Long::longValue).toArray();
  }

  // ---- URIs and opening
  // ----------------------------------------------------------------------------

  @Nested
  @DisplayName("URIs and opening")
  class Opening {
    @Test
    @DisplayName("file:relative, file:./relative, file:/abs and file:///abs open the same store")
    void open_uriForms_sameStore() throws Exception {
      Path rel = Path.of("").toAbsolutePath().relativize(root);
      RunId id;
      try (RunStore a = RunStores.open("file:" + root)) {
        id = startedRun(a, "acme", 1);
      }
      for (String uri :
          List.of(
              "file:" + rel,
              "file:./" + rel,
              "file://" + root,
              "file:" + root + "?durability=none&poll_ms=0")) {
        try (RunStore s = RunStores.open(uri)) {
          assertThat(s.entry(id)).as(uri).map(RunEntry::lastSequence).contains(3L);
          assertThat(s.location()).isEqualTo(uri);
        }
      }
      assertThat(RunStores.availableSchemes()).contains("file");
    }

    @Test
    @DisplayName("unknown or malformed parameters are refused and nothing is created")
    void open_badParameters_refused() {
      assertThatThrownBy(() -> RunStores.open("file:" + root + "?fsync=1"))
          .isInstanceOf(StoreConfigurationException.class)
          .hasMessageContaining("unknown parameter 'fsync'")
          .hasMessageContaining("durability");
      assertThatThrownBy(() -> RunStores.open("file:" + root + "?durability=sometimes"))
          .isInstanceOf(StoreConfigurationException.class)
          .hasMessageContaining("durability=sometimes");
      assertThatThrownBy(() -> RunStores.open("file:" + root + "?poll_ms=-1"))
          .isInstanceOf(StoreConfigurationException.class)
          .hasMessageContaining("poll_ms");
      assertThatThrownBy(() -> RunStores.open("file://host/x"))
          .isInstanceOf(StoreConfigurationException.class)
          .hasMessageContaining("host");
      assertThatThrownBy(
              () -> new FileRunStoreProvider().open(StoreLocation.parse("sqlite:" + root)))
          .isInstanceOf(StoreConfigurationException.class)
          .hasMessageContaining("file:");
      assertThat(root).doesNotExist();
    }

    @Test
    @DisplayName("a non-empty directory that is not a file store is refused and left unchanged")
    void open_foreignDirectory_refused() throws Exception {
      Files.createDirectories(root);
      Files.writeString(root.resolve("notes.txt"), "mine");
      assertThatThrownBy(() -> RunStores.open("file:" + root))
          .isInstanceOf(StoreConfigurationException.class)
          .hasMessageContaining("not empty")
          .hasMessageContaining("notes.txt");
      assertThat(files(root)).containsExactly(root.resolve("notes.txt"));
      Path file = tmp.resolve("plain-file");
      Files.writeString(file, "x");
      assertThatThrownBy(() -> RunStores.open("file:" + file))
          .isInstanceOf(StoreConfigurationException.class)
          .hasMessageContaining("not a directory");
    }

    @Test
    @DisplayName("a store written by a newer version is refused")
    void open_newerMarker_refused() throws Exception {
      open().close();
      Files.writeString(root.resolve("store.json"), "{\"schema\":\"runs.file-store/3\"}\n");
      assertThatThrownBy(() -> RunStores.open("file:" + root))
          .isInstanceOf(StoreConfigurationException.class)
          .hasMessageContaining("runs.file-store/3");
    }
  }

  // ---- layout ----------------------------------------------------------------------------------

  @Nested
  @DisplayName("Layout on disk")
  class LayoutOnDisk {
    @Test
    @DisplayName("files have the documented names, and events.ndjson holds one JSON event per line")
    void layout_realFileNames_andNdjson() throws Exception {
      RunStore store = open();
      RunRecord r = store.create(record().namespace("acme/etl").build()).record();
      store.append(r.id(), List.of(EventDraft.of(EventTypes.RUN_STARTED), line(1), line(2)));
      StageManifest manifest =
          store.writeStage(
              r.id(),
              StageWrite.of("fetch")
                  .withInput(Payload.of(Map.of("url", "u")))
                  .withOutput(Payload.of(Map.of("rows", 1)))
                  .withArtifact(
                      StageArtifact.of(
                          "report.html", "report", "<h1/>".getBytes(StandardCharsets.UTF_8)))
                  .withArtifact(StageArtifact.of("plots/loss.png", "image", new byte[] {1, 2, 3})));
      store.acquireLease(r.id(), "host-1", Duration.ofMinutes(1));
      store.saveDocument("recommendations", "rec-1", Payload.of(Map.of("a", 1)));
      store.close();

      Path run = root.resolve("runs/acme/etl").resolve(r.id().localId());
      Path attempt = run.resolve("stages/01-fetch/attempt-1");
      Set<Path> expected =
          new TreeSet<>(
              List.of(
                  root.resolve("store.json"),
                  root.resolve("store.lock"),
                  root.resolve("runs.index"),
                  root.resolve("runs.index.lock"),
                  run.resolve("run.json"),
                  run.resolve("events.ndjson"),
                  run.resolve("run.lock"),
                  run.resolve("stages.lock"),
                  attempt.resolve("input.json"),
                  attempt.resolve("output.json"),
                  attempt.resolve("artifacts/report.html"),
                  attempt.resolve("artifacts/plots/loss.png"),
                  attempt.resolve("manifest.json"),
                  root.resolve("triggers").resolve(Sha256.hex(r.trigger().triggerId()) + ".json"),
                  root.resolve("leases").resolve(r.id().value().replace('/', '+') + ".json"),
                  root.resolve("documents/recommendations/rec-1.json")));
      assertThat(new TreeSet<>(files(root))).isEqualTo(expected);

      assertThat(RunRecord.fromJson(Files.readString(run.resolve("run.json")))).isEqualTo(r);
      assertThat(Files.readString(run.resolve("run.json"))).isEqualTo(r.toJson());
      assertThat(Sha256.hex(Files.readAllBytes(attempt.resolve("manifest.json"))))
          .isEqualTo(manifest.sha256());

      String ndjson = Files.readString(run.resolve("events.ndjson"));
      assertThat(ndjson).endsWith("\n");
      String[] lines = ndjson.split("\n");
      assertThat(lines).hasSize(4);
      for (int i = 0; i < lines.length; i++) {
        assertThat(lines[i]).startsWith("{\"schema\":\"runs.event/1\",");
        JsonNode n = JSON.readTree(lines[i]);
        assertThat(n.get("sequence").asLong()).isEqualTo(i + 1);
        assertThat(n.get("run_id").asText()).isEqualTo(r.id().value());
      }
      assertThat(JSON.readTree(lines[0]).get("type").asText()).isEqualTo("run.created");
      assertThat(JSON.readTree(lines[3]).get("payload").get("text").asText()).isEqualTo("line 2");
      JsonNode manifestJson = JSON.readTree(Files.readString(attempt.resolve("manifest.json")));
      assertThat(manifestJson.get("files").get(2).get("path").asText())
          .isEqualTo("artifacts/report.html");
      JsonNode lease =
          JSON.readTree(
              Files.readString(
                  root.resolve("leases").resolve(r.id().value().replace('/', '+') + ".json")));
      assertThat(lease.get("owner").asText()).isEqualTo("host-1");
      assertThat(Files.readString(root.resolve("documents/recommendations/rec-1.json")))
          .isEqualTo("{\"a\":1}");
    }

    @Test
    @DisplayName("reads after any sequence start at the right line, across index marks")
    void read_afterSequence_acrossMarks() {
      RunStore store = open();
      RunId id = startedRun(store, "", 0);
      List<EventDraft> batch = new ArrayList<>();
      for (int i = 0; i < 998; i++) {
        batch.add(line(i));
      }
      store.append(id, batch);
      for (long after :
          new long[] {0, 1, 255, 256, 257, 511, 512, 513, 768, 998, 999, 1000, 1001}) {
        List<RunEvent> page = store.read(id, after, 3);
        long expectedFirst = after + 1;
        assertThat(page)
            .as("after %d", after)
            .extracting(RunEvent::sequence)
            .containsExactlyElementsOf(
                java.util.stream.LongStream.range(expectedFirst, Math.min(expectedFirst + 3, 1001))
                    .boxed()
                    .collect(Collectors.toList()));
      }
    }
  }

  // ---- path safety
  // -------------------------------------------------------------------------------

  @Nested
  @DisplayName("Path safety")
  class PathSafety {
    @Test
    @DisplayName("a run directory may not lie inside another run's directory, nor contain one")
    void runIds_nesting_refused() throws Exception {
      RunStore store = open();
      store.create(record().id(RunId.of("a/b")).build());
      assertThatThrownBy(() -> store.create(record().id(RunId.of("a/b/c")).build()))
          .isInstanceOf(ValidationException.class)
          .hasMessageContaining("'a/b/c'")
          .hasMessageContaining("inside the directory of run 'a/b'");
      assertThatThrownBy(() -> store.create(record().id(RunId.of("a/b/stages/x")).build()))
          .isInstanceOf(ValidationException.class);
      store.create(record().id(RunId.of("x/y/z")).build());
      assertThatThrownBy(() -> store.create(record().id(RunId.of("x/y")).build()))
          .isInstanceOf(ValidationException.class)
          .hasMessageContaining("'x/y'")
          .hasMessageContaining("namespace 'x/y'");
      assertThat(store.list(RunQuery.all()).runs())
          .extracting(RunEntry::id)
          .containsExactlyInAnyOrder(RunId.of("a/b"), RunId.of("x/y/z"));
      assertThat(runDir(RunId.of("a/b")).resolve("c")).doesNotExist();
      assertThat(runDir(RunId.of("x/y")).resolve("run.json")).doesNotExist();
    }

    @Test
    @DisplayName("no write lands outside its run directory (or the store's own index directories)")
    void hostileNames_neverWriteOutside() throws Exception {
      Path outside = tmp.resolve("outside");
      Files.createDirectories(outside);
      RunStore store = open();
      RunId id = startedRun(store, "ns", 1);
      List<Path> before = files(tmp);

      List<Runnable> hostile =
          List.of(
              () -> RunId.of("../outside/x"),
              () -> RunId.of("/abs"),
              () -> RunId.of("a\\b"),
              () -> RunId.of("a/../../b"),
              () -> RunId.of("x\u0000y"),
              () -> RunId.of(""),
              () -> RunId.of("a".repeat(201)),
              () -> RunId.of("Upper"),
              () -> StageWrite.of("../x"),
              () -> StageWrite.of("a/b"),
              () -> StageArtifact.of("../../../outside/pwn", "k", new byte[1]),
              () -> StageArtifact.of("/etc/passwd", "k", new byte[1]),
              () -> StageArtifact.of("a\\..\\b", "k", new byte[1]),
              () -> StageArtifact.of("x".repeat(201), "k", new byte[1]),
              () -> store.readStageFile(id, "fetch", 1, "../../run.json"),
              () -> store.readStageFile(id, "fetch", 1, "artifacts/../../../outside/x"),
              () -> store.saveDocument("../outside", "x", Payload.empty()),
              () -> Layout.resolveRelative(root, "a/../../outside"),
              () -> Layout.resolveRelative(root, "/outside"),
              () -> Layout.resolveRelative(root, "a\\b"));
      for (Runnable r : hostile) {
        assertThatThrownBy(r::run).isInstanceOf(ValidationException.class);
      }
      // names that are legal but look dangerous end up as safe files inside the root
      for (String docId :
          List.of("../../outside/doc", "/etc/passwd", "..", "A", "with space", "x".repeat(200))) {
        store.saveDocument("docs", docId, Payload.of(Map.of("id", docId)));
        assertThat(store.findDocument("docs", docId).orElseThrow().text("id")).contains(docId);
      }
      for (String triggerId : List.of("../../outside/t", "/etc/passwd", "a\\b")) {
        store.create(
            RunRecord.builder(
                    WorkflowRef.of("w", "1"),
                    ConfigSnapshot.empty(),
                    Trigger.of(TriggerSource.TEST, triggerId))
                .namespace("ns")
                .build());
        assertThat(store.findByTrigger(triggerId)).isPresent();
      }
      store.writeStage(
          id,
          StageWrite.of("fetch")
              .withArtifact(StageArtifact.of("deep/er/x.bin", "k", new byte[] {1})));

      List<Path> created = new ArrayList<>(files(tmp));
      created.removeAll(before);
      assertThat(created).isNotEmpty().allSatisfy(p -> assertThat(p).startsWith(root));
      assertThat(outside).isEmptyDirectory();
      List<Path> runDirs =
          store.list(RunQuery.all()).runs().stream().map(e -> runDir(e.id())).toList();
      assertThat(runDirs).hasSize(4);
      for (Path p : created) {
        Path rel = root.relativize(p);
        if (rel.startsWith("runs")) {
          assertThat(runDirs).as("run directory of %s", p).anyMatch(p::startsWith);
        } else {
          assertThat(rel.getName(0).toString()).as("%s", p).isIn("triggers", "documents");
        }
      }
      assertThat(files(runDir(id))).anyMatch(p -> p.toString().endsWith("artifacts/deep/er/x.bin"));
    }

    @Test
    @DisplayName("symbolic links planted in a run directory are never written through")
    void symlinks_neverFollowedForWrites() throws Exception {
      Path outside = tmp.resolve("outside");
      Files.createDirectories(outside);
      Path victim = outside.resolve("victim.ndjson");
      Files.writeString(victim, "");
      RunStore store = open();
      RunId a = startedRun(store, "", 0);
      RunId b = startedRun(store, "", 0);
      store.close();
      Files.createSymbolicLink(runDir(a).resolve("stages"), outside);
      byte[] logB = Files.readAllBytes(log(b));
      Files.delete(log(b));
      Files.write(victim, logB);
      Files.createSymbolicLink(log(b), victim);

      RunStore again = open();
      assertThatThrownBy(
              () -> again.writeStage(a, StageWrite.of("s").withOutput(Payload.of(Map.of("x", 1)))))
          .isInstanceOf(StoreIoException.class)
          .hasMessageContaining("symbolic link");
      assertThatThrownBy(() -> again.append(b, line(1))).isInstanceOf(StoreIoException.class);
      assertThat(files(outside)).containsExactly(victim);
      assertThat(Files.readAllBytes(victim)).isEqualTo(logB);
    }
  }

  // ---- crash recovery
  // ------------------------------------------------------------------------------

  @Nested
  @DisplayName("Crash recovery")
  class Recovery {
    RunId id;
    byte[] original;
    long[] starts;

    void prepare(int lines) throws IOException {
      RunStore store = open();
      id = startedRun(store, "rec", lines);
      store.close();
      original = Files.readAllBytes(log(id));
      starts = lineStarts(original);
    }

    Path broken() {
      return runDir(id).resolve("events.ndjson.broken");
    }

    @Test
    @DisplayName(
        "a last line cut at every byte offset is copied aside and cut; opening again changes"
            + " nothing")
    void tornTail_everyOffset_cutOnce() throws Exception {
      prepare(3);
      int events = starts.length - 1;
      long lastStart = starts[events - 1];
      for (long cut = lastStart; cut < original.length; cut++) {
        Files.deleteIfExists(broken());
        Files.write(log(id), Arrays.copyOf(original, (int) cut));
        RunStore store = open();
        assertThat(store.entry(id).orElseThrow().lastSequence())
            .as("cut at %d", cut)
            .isEqualTo(events - 1);
        store.close();
        assertThat(Files.readAllBytes(log(id))).isEqualTo(Arrays.copyOf(original, (int) lastStart));
        if (cut == lastStart) {
          assertThat(broken()).doesNotExist();
          continue;
        }
        byte[] expectedBroken = new byte[(int) (cut - lastStart) + 1];
        System.arraycopy(original, (int) lastStart, expectedBroken, 0, (int) (cut - lastStart));
        expectedBroken[expectedBroken.length - 1] = '\n';
        assertThat(Files.readAllBytes(broken())).as("cut at %d", cut).isEqualTo(expectedBroken);
        RunStore reopened = open();
        assertThat(all(reopened, id)).hasSize(events - 1);
        reopened.close();
        assertThat(Files.readAllBytes(log(id))).isEqualTo(Arrays.copyOf(original, (int) lastStart));
        assertThat(Files.readAllBytes(broken())).isEqualTo(expectedBroken);
      }
      RunStore store = open();
      assertThat(store.append(id, line(99)).sequence()).isEqualTo(events);
      assertGapless(all(store, id), events);
    }

    @Test
    @DisplayName("zero-filled pages after the last line are copied aside and cut")
    void zeroFilledPages_cut() throws Exception {
      prepare(2);
      Files.write(log(id), new byte[8192], StandardOpenOption.APPEND);
      RunStore store = open();
      assertThat(all(store, id)).hasSize(starts.length - 1);
      assertThat(Files.readAllBytes(log(id))).isEqualTo(original);
      byte[] expected = new byte[8193];
      expected[8192] = '\n';
      assertThat(Files.readAllBytes(broken())).isEqualTo(expected);
    }

    @Test
    @DisplayName(
        "garbage lines after the last event are copied aside and cut; a second cut appends")
    void garbageAppended_cut() throws Exception {
      prepare(2);
      String garbage = "garbage\n{\"not\":\"an event\"}\n\u00ff\u00fe binary";
      Files.write(
          log(id), garbage.getBytes(StandardCharsets.ISO_8859_1), StandardOpenOption.APPEND);
      open().entry(id);
      assertThat(Files.readAllBytes(log(id))).isEqualTo(original);
      Files.write(log(id), "more\n".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
      RunStore again = open();
      assertThat(again.entry(id).orElseThrow().lastSequence()).isEqualTo(starts.length - 1);
      assertThat(Files.readString(broken(), StandardCharsets.ISO_8859_1))
          .isEqualTo(garbage + "\nmore\n");
    }

    @Test
    @DisplayName(
        "a damaged line in the middle is an error naming file, line and byte offset; nothing"
            + " changes")
    void corruptMiddleLine_throws_unchanged() throws Exception {
      prepare(4);
      byte[] damaged = original.clone();
      int at = (int) starts[2] + 5;
      damaged[at] = '#';
      Files.write(log(id), damaged);
      RunStore store = open();
      for (Runnable r :
          List.<Runnable>of(
              () -> store.entry(id),
              () -> all(store, id),
              () -> store.append(id, line(9)),
              () -> store.list(RunQuery.all()))) {
        assertThatThrownBy(r::run)
            .isInstanceOf(StoreCorruptedException.class)
            .hasMessageContaining(log(id).toString())
            .hasMessageContaining("line 3 (byte offset " + starts[2] + ")")
            .hasMessageContaining("intact events follow");
      }
      assertThat(Files.readAllBytes(log(id))).isEqualTo(damaged);
      assertThat(broken()).doesNotExist();
    }

    @Test
    @DisplayName(
        "malformed UTF-8 in the middle of the log is an error naming file, line and byte"
            + " offset, whether the run was loaded before or not; nothing changes")
    void malformedUtf8InTheMiddle_throws_unchanged() throws Exception {
      prepare(4);
      RunStore loaded = open();
      assertThat(all(loaded, id)).hasSize(starts.length - 1);
      byte[] damaged = original.clone();
      String line3 = new String(original, (int) starts[2], (int) (starts[3] - starts[2]), UTF_8);
      int at = (int) starts[2] + line3.indexOf("\"text\":\"line") + 9;
      damaged[at] = (byte) 0xff; // the JSON stays well-formed; only the UTF-8 is broken
      Files.write(log(id), damaged);
      assertThatThrownBy(() -> all(loaded, id))
          .isInstanceOf(StoreCorruptedException.class)
          .hasMessageContaining(log(id).toString())
          .hasMessageContaining("line 3 (byte offset " + starts[2] + ")")
          .hasMessageContaining("malformed UTF-8 at byte offset " + at);
      loaded.close();
      RunStore store = open();
      for (Runnable r :
          List.<Runnable>of(
              () -> store.entry(id), () -> all(store, id), () -> store.append(id, line(9)))) {
        assertThatThrownBy(r::run)
            .isInstanceOf(StoreCorruptedException.class)
            .hasMessageContaining(log(id).toString())
            .hasMessageContaining("line 3 (byte offset " + starts[2] + ")")
            .hasMessageContaining("malformed UTF-8 at byte offset " + at);
      }
      assertThat(Files.readAllBytes(log(id))).isEqualTo(damaged);
      assertThat(broken()).doesNotExist();
    }

    @Test
    @DisplayName(
        "a line from a newer writer keeps its unknown fields when read, and stays byte for byte"
            + " as written when more events are appended")
    void unknownFieldsOfANewerWriter_kept() throws Exception {
      prepare(2);
      RunStore store = open();
      RunEvent last = all(store, id).get(starts.length - 2);
      store.close();
      String newer =
          EventCodec.encode(
                      new RunEvent(
                          RunEvent.SCHEMA,
                          EventId.random(),
                          id,
                          last.sequence() + 1,
                          EventTypes.CONSOLE_LINE,
                          last.time(),
                          Optional.empty(),
                          OptionalInt.empty(),
                          Optional.empty(),
                          "newer",
                          Optional.empty(),
                          Payload.of(Map.of("stream", "stdout", "text", "from a newer writer")),
                          Map.of()))
                  .replaceFirst("}$", "")
              + ",\"extra\":\"hello \\\"quoted\\\""
              + " \\u00e9\",\"n\":-1.5e3,\"tree\":{\"a\":[1,true,null]}}\n";
      Files.write(log(id), newer.getBytes(UTF_8), StandardOpenOption.APPEND);
      RunStore reopened = open();
      RunEvent read = all(reopened, id).get(starts.length - 1);
      assertThat(read.unknownFields())
          .containsExactly(
              Map.entry("extra", "\"hello \\\"quoted\\\" \\u00e9\""),
              Map.entry("n", "-1.5e3"),
              Map.entry("tree", "{\"a\":[1,true,null]}"));
      assertThat(EventCodec.encode(read) + "\n").isEqualTo(newer);
      reopened.append(id, line(7));
      reopened.close();
      String file = Files.readString(log(id), UTF_8);
      assertThat(file).contains(newer);
      assertThat(all(open(), id)).hasSize(starts.length + 1);
    }

    @Test
    @DisplayName(
        "a missing, duplicated or foreign line is an error, even at the end; nothing changes")
    void wrongSequences_throw() throws Exception {
      prepare(3);
      byte[] withoutLine2 = new byte[(int) (original.length - (starts[2] - starts[1]))];
      System.arraycopy(original, 0, withoutLine2, 0, (int) starts[1]);
      System.arraycopy(
          original,
          (int) starts[2],
          withoutLine2,
          (int) starts[1],
          (int) (original.length - starts[2]));
      Files.write(log(id), withoutLine2);
      assertThatThrownBy(() -> open().entry(id))
          .isInstanceOf(StoreCorruptedException.class)
          .hasMessageContaining("line 2 (byte offset " + starts[1] + ")")
          .hasMessageContaining("gap");
      byte[] lastAgain =
          Arrays.copyOfRange(original, (int) starts[starts.length - 2], original.length);
      Files.write(log(id), original);
      Files.write(log(id), lastAgain, StandardOpenOption.APPEND);
      assertThatThrownBy(() -> open().entry(id))
          .isInstanceOf(StoreCorruptedException.class)
          .hasMessageContaining("line " + starts.length);
      assertThat(Files.size(log(id))).isEqualTo(original.length + lastAgain.length);
    }

    @Test
    @DisplayName(
        "a file that is not NDJSON, or an empty or missing log, is an error; nothing changes")
    void notNdjson_throws_unchanged() throws Exception {
      prepare(1);
      String pretty = "[\n  {\"schema\": \"runs.event/1\"},\n  {}\n]\n";
      Files.writeString(log(id), pretty);
      assertThatThrownBy(() -> open().entry(id))
          .isInstanceOf(StoreCorruptedException.class)
          .hasMessageContaining("line 1 (byte offset 0)")
          .hasMessageContaining("not an event log");
      assertThat(Files.readString(log(id))).isEqualTo(pretty);
      assertThat(broken()).doesNotExist();
      Files.write(log(id), new byte[0]);
      assertThatThrownBy(() -> open().entry(id))
          .isInstanceOf(StoreCorruptedException.class)
          .hasMessageContaining("empty");
      Files.delete(log(id));
      assertThatThrownBy(() -> open().entry(id))
          .isInstanceOf(StoreCorruptedException.class)
          .hasMessageContaining("missing");
    }

    @Test
    @DisplayName(
        "a run without run.json does not exist; its id is reusable only if its log has at most"
            + " run.created")
    void missingRunJson_runUnknown() throws Exception {
      prepare(2);
      Files.delete(runDir(id).resolve("run.json"));
      RunStore store = open();
      assertThat(store.get(id)).isEmpty();
      assertThat(store.entry(id)).isEmpty();
      assertThatThrownBy(() -> store.read(id, 0)).isInstanceOf(RunNotFoundException.class);
      assertThat(store.list(RunQuery.all()).runs()).isEmpty();
      assertThatThrownBy(() -> store.create(record().id(id).build()))
          .isInstanceOf(StoreCorruptedException.class)
          .hasMessageContaining("no run.json");
      assertThat(Files.readAllBytes(log(id))).isEqualTo(original);

      // a creation that stopped before run.json: one line, leftover removed, id reusable
      Files.write(log(id), Arrays.copyOf(original, (int) starts[1]));
      RunRecord again = record().id(id).build();
      assertThat(store.create(again).created()).isTrue();
      assertGapless(all(store, id), 1);
      assertThat(store.get(id).orElseThrow().trigger()).isEqualTo(again.trigger());
    }

    @Test
    @DisplayName("a trigger index entry whose run never got its run.json is ignored and replaced")
    void staleTriggerEntry_ignored() throws Exception {
      RunStore store = open();
      Trigger t = Trigger.of(TriggerSource.UI, "click-1");
      RunRecord first =
          RunRecord.builder(WorkflowRef.of("w", "1"), ConfigSnapshot.empty(), t).build();
      store.create(first);
      store.close();
      Path runJson = root.resolve("runs").resolve(first.id().value()).resolve("run.json");
      Files.delete(runJson);
      RunStore again = open();
      assertThat(again.findByTrigger("click-1")).isEmpty();
      RunRecord second =
          RunRecord.builder(WorkflowRef.of("w", "1"), ConfigSnapshot.empty(), t).build();
      assertThat(again.create(second).created()).isTrue();
      assertThat(again.findByTrigger("click-1").orElseThrow().id()).isEqualTo(second.id());
    }
  }

  // ---- injected I/O failures
  // ---------------------------------------------------------------------

  @Nested
  @DisplayName("I/O failures")
  class Faults {
    final FaultyOpener faulty = new FaultyOpener();

    @Test
    @DisplayName(
        "disk full in the middle of a write: the caller gets StoreIoException, the log is cut back,"
            + " appends go on")
    void writeFails_diskFull_logCutBack() throws Exception {
      RunStore store = open(root, faulty);
      RunId id = startedRun(store, "", 2);
      byte[] before = Files.readAllBytes(log(id));
      faulty.target = p -> p.getFileName().toString().equals("events.ndjson");
      faulty.writeBudget = 100;
      assertThatThrownBy(() -> store.append(id, List.of(line(10), line(11), line(12))))
          .isInstanceOf(StoreIoException.class)
          .hasMessageContaining("No space left on device")
          .hasMessageContaining("still ends at sequence 4");
      assertThat(Files.readAllBytes(log(id))).isEqualTo(before);
      faulty.reset();
      assertThat(store.append(id, line(13)).sequence()).isEqualTo(5);
      assertGapless(all(store, id), 5);
    }

    @Test
    @DisplayName(
        "a failed write that cannot be cut back freezes the log until reopened; recovery cuts the"
            + " torn tail")
    void writeAndUndoFail_frozenUntilReopen() throws Exception {
      RunStore store = open(root, faulty);
      RunId id = startedRun(store, "", 1);
      RunId other = startedRun(store, "", 1);
      byte[] before = Files.readAllBytes(log(id));
      faulty.target = p -> p.equals(log(id));
      faulty.writeBudget = 50;
      faulty.failTruncate = true;
      assertThatThrownBy(() -> store.append(id, line(10)))
          .isInstanceOf(StoreIoException.class)
          .hasMessageContaining("cutting the partial write back failed");
      faulty.reset();
      assertThatThrownBy(() -> store.append(id, line(11)))
          .isInstanceOf(StoreIoException.class)
          .hasMessageContaining("reopen");
      assertThat(store.append(other, line(12)).sequence()).isEqualTo(4);
      assertThat(store.entry(id).orElseThrow().lastSequence()).isEqualTo(3);
      assertThat(Files.size(log(id))).isEqualTo(before.length + 50);
      store.close();

      RunStore reopened = open();
      assertThat(reopened.append(id, line(13)).sequence()).isEqualTo(4);
      assertGapless(all(reopened, id), 4);
      assertThat(Files.size(runDir(id).resolve("events.ndjson.broken"))).isEqualTo(51);
    }

    @Test
    @DisplayName(
        "a failed fsync is not retried: the callers get the error and the log refuses appends until"
            + " reopened")
    void forceFails_frozenUntilReopen() throws Exception {
      RunStore store = open(root, faulty);
      RunId id = startedRun(store, "", 1);
      RunId other = startedRun(store, "", 1);
      faulty.target = p -> p.equals(log(id));
      faulty.failForce = true;
      assertThatThrownBy(() -> store.append(id, List.of(line(10), line(11))))
          .isInstanceOf(StoreIoException.class)
          .hasMessageContaining("fsync")
          .hasMessageContaining("Input/output error")
          .hasMessageContaining("reopen");
      faulty.failForce = false;
      assertThatThrownBy(() -> store.append(id, line(12)))
          .isInstanceOf(StoreIoException.class)
          .hasMessageContaining("refuses appends")
          .hasMessageContaining("reopen");
      assertThat(store.entry(id).orElseThrow().lastSequence()).isEqualTo(3);
      assertThat(all(store, id)).hasSize(3);
      assertThat(store.append(other, line(13)).sequence()).isEqualTo(4);
      store.close();

      RunStore reopened = open();
      List<RunEvent> events = all(reopened, id);
      assertThat(events.size()).isIn(3, 5);
      assertGapless(events, events.size());
      assertThat(reopened.append(id, line(14)).sequence()).isEqualTo(events.size() + 1);
    }

    @Test
    @DisplayName("a failing stage write removes its attempt and leaves no temporary file")
    void stageWriteFails_cleansUp() throws Exception {
      RunStore store = open(root, faulty);
      RunId id = startedRun(store, "", 0);
      faulty.failNthNewFile = 3;
      StageWrite w =
          StageWrite.of("fetch")
              .withInput(Payload.of(Map.of("a", 1)))
              .withOutput(Payload.of(Map.of("b", 2)))
              .withArtifact(StageArtifact.of("x/y.bin", "bin", new byte[] {1, 2}));
      assertThatThrownBy(() -> store.writeStage(id, w))
          .isInstanceOf(StoreIoException.class)
          .hasMessageContaining("stage 'fetch' attempt 1")
          .hasMessageContaining("nothing of it remains");
      assertThat(runDir(id).resolve("stages/01-fetch")).doesNotExist();
      assertNoTmpFiles(root);
      assertThat(store.stages(id)).isEmpty();
      faulty.reset();
      StageManifest m = store.writeStage(id, w);
      assertThat(m.attempt()).isEqualTo(1);
      assertThat(m.position()).isEqualTo(1);
      assertNoTmpFiles(root);
    }

    @Test
    @DisplayName("a failing fsync of a stage file fails the write and cleans up")
    void stageForceFails_cleansUp() throws Exception {
      RunStore store = open(root, faulty);
      RunId id = startedRun(store, "", 0);
      store.writeStage(id, StageWrite.of("fetch"));
      faulty.target = p -> p.getFileName().toString().startsWith(".output.json");
      faulty.failForce = true;
      assertThatThrownBy(
              () ->
                  store.writeStage(
                      id, StageWrite.of("fetch").withOutput(Payload.of(Map.of("b", 2)))))
          .isInstanceOf(StoreIoException.class)
          .hasMessageContaining("attempt 2");
      assertThat(runDir(id).resolve("stages/01-fetch/attempt-2")).doesNotExist();
      assertThat(runDir(id).resolve("stages/01-fetch/attempt-1/manifest.json")).exists();
      assertNoTmpFiles(root);
    }
  }

  // ---- stages
  // ------------------------------------------------------------------------------------

  @Nested
  @DisplayName("Stages")
  class Stages {
    @Test
    @DisplayName(
        "verifyStage reports each size or hash mismatch, missing and unlisted file; reads refuse"
            + " damaged files")
    void verifyStage_reportsEveryProblem() throws Exception {
      RunStore store = open();
      RunId id = startedRun(store, "", 0);
      store.writeStage(
          id,
          StageWrite.of("train")
              .withInput(Payload.of(Map.of("a", 1)))
              .withOutput(Payload.of(Map.of("b", 2)))
              .withArtifact(
                  StageArtifact.of("one.txt", "text", "one".getBytes(StandardCharsets.UTF_8)))
              .withArtifact(
                  StageArtifact.of("two.txt", "text", "two".getBytes(StandardCharsets.UTF_8))));
      Path attempt = runDir(id).resolve("stages/01-train/attempt-1");
      Files.writeString(attempt.resolve("artifacts/one.txt"), "ONE");
      Files.writeString(attempt.resolve("artifacts/two.txt"), "two and more");
      Files.delete(attempt.resolve("input.json"));
      Files.writeString(attempt.resolve("artifacts/extra.txt"), "x");

      StageVerification v = store.verifyStage(id, "train", 1);
      assertThat(v.ok()).isFalse();
      assertThat(v.problems())
          .extracting(p -> p.path() + ":" + p.kind())
          .containsExactlyInAnyOrder(
              "artifacts/one.txt:HASH_MISMATCH",
              "artifacts/two.txt:SIZE_MISMATCH",
              "input.json:MISSING",
              "artifacts/extra.txt:UNLISTED");
      assertThatThrownBy(() -> store.readArtifact(id, "train", 1, "one.txt"))
          .isInstanceOf(StoreCorruptedException.class)
          .hasMessageContaining("sha256");
      assertThatThrownBy(() -> store.readArtifact(id, "train", 1, "two.txt"))
          .isInstanceOf(StoreCorruptedException.class)
          .hasMessageContaining("bytes");
      assertThatThrownBy(() -> store.readStageFile(id, "train", 1, "input.json"))
          .isInstanceOf(StoreCorruptedException.class)
          .hasMessageContaining("missing");
      assertThat(
              new String(
                  store.readStageFile(id, "train", 1, "output.json"), StandardCharsets.UTF_8))
          .isEqualTo("{\"b\":2}");

      Files.delete(attempt.resolve("manifest.json"));
      assertThat(store.verifyStage(id, "train", 1).problems())
          .extracting(StageVerification.Problem::kind)
          .containsExactly(StageVerification.Kind.MANIFEST_UNREADABLE);
      assertThat(store.stages(id)).isEmpty();
    }

    @Test
    @DisplayName(
        "an attempt without manifest whose writer is alive is not listed, not removed and never"
            + " overwritten")
    void incompleteAttempt_liveWriter_notListed_notOverwritten() throws Exception {
      RunStore store = open();
      RunId id = startedRun(store, "", 0);
      Path attempt = runDir(id).resolve("stages/01-fetch/attempt-1");
      Files.createDirectories(attempt.resolve("artifacts"));
      // a writer in another process shares the run's stage lock from its claim to its manifest
      SharedFileLocks.Held writer =
          SharedFileLocks.acquireShared(runDir(id).resolve("stages.lock"));
      try {
        assertThat(store.stages(id)).isEmpty();
        assertThatThrownBy(() -> store.writeStage(id, StageWrite.of("fetch").withAttempt(1)))
            .isInstanceOf(StageExistsException.class);
        StageManifest m = store.writeStage(id, StageWrite.of("fetch"));
        assertThat(m.attempt()).isEqualTo(2);
        assertThat(m.position()).isEqualTo(1);
        assertThat(store.stages(id)).containsExactly(m);
        assertThatThrownBy(() -> store.readStageFile(id, "fetch", 1, "output.json"))
            .isInstanceOf(ValidationException.class)
            .hasMessageContaining("incomplete");
        assertThat(attempt.resolve("artifacts")).isDirectory();
      } finally {
        writer.close();
      }
      // that writer is gone (its process died): the next stage call removes what it left
      assertThat(store.stages(id)).extracting(StageManifest::attempt).containsExactly(2);
      assertThat(attempt).doesNotExist();
    }

    @Test
    @DisplayName(
        "concurrent writers of new stages and attempts get distinct positions and attempts")
    void concurrentStageWriters_distinct() throws Exception {
      RunStore a = open();
      RunStore b = open();
      RunId id = startedRun(a, "", 0);
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<StageManifest>> fs = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
          RunStore s = i % 2 == 0 ? a : b;
          String key = "k" + (i % 3);
          fs.add(
              pool.submit(
                  () ->
                      s.writeStage(id, StageWrite.of(key).withOutput(Payload.of(Map.of("x", 1))))));
        }
        Set<String> seen = new HashSet<>();
        for (Future<StageManifest> f : fs) {
          StageManifest m = f.get(60, TimeUnit.SECONDS);
          assertThat(seen.add(m.stageKey() + "#" + m.attempt())).isTrue();
        }
      } finally {
        pool.shutdownNow();
      }
      List<StageManifest> all = a.stages(id);
      assertThat(all).hasSize(12);
      assertThat(all.stream().map(StageManifest::position).collect(Collectors.toSet()))
          .containsExactlyInAnyOrder(1, 2, 3);
      assertThat(
              all.stream().filter(m -> m.position() == 1).map(StageManifest::stageKey).distinct())
          .hasSize(1);
    }
  }

  // ---- two stores on one directory (as two processes would)
  // ----------------------------------------

  @Nested
  @DisplayName("Two stores on one directory")
  class Shared {
    @Test
    @DisplayName(
        "appends made through one store are seen by the other's entry, read and list, and sequences"
            + " never collide")
    void twoStores_seeEachOther() throws Exception {
      RunStore a = open();
      RunStore b = open();
      RunId id = startedRun(a, "shared", 0);
      assertThat(b.entry(id).orElseThrow().lastSequence()).isEqualTo(2);
      a.append(id, line(1));
      assertThat(b.entry(id).orElseThrow().lastSequence()).isEqualTo(3);
      assertThat(b.append(id, line(2)).sequence()).isEqualTo(4);
      assertThat(a.append(id, line(3)).sequence()).isEqualTo(5);
      assertThat(b.read(id, 3, 10)).extracting(RunEvent::sequence).containsExactly(4L, 5L);
      assertThat(
              b.list(RunQuery.builder().namespace("shared").build()).runs().get(0).lastSequence())
          .isEqualTo(5);
      RunId fresh = startedRun(b, "shared", 0);
      assertThat(a.list(RunQuery.builder().namespace("shared").build()).runs())
          .extracting(RunEntry::id)
          .containsExactly(fresh, id);

      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
          RunStore s = t % 2 == 0 ? a : b;
          int n = t;
          fs.add(
              pool.submit(
                  () -> {
                    for (int i = 0; i < 50; i++) {
                      s.append(id, line(n * 1000 + i).withIdempotencyKey("k-" + n + "-" + i));
                    }
                  }));
        }
        for (Future<?> f : fs) {
          f.get(60, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      assertGapless(all(a, id), 205);
      assertGapless(all(b, id), 205);
      assertThat(a.append(id, line(0).withIdempotencyKey("k-1-7")).sequence())
          .isEqualTo(b.append(id, line(1).withIdempotencyKey("k-1-7")).sequence());
      assertThat(Files.readAllLines(log(id))).hasSize(205).allSatisfy(l -> JSON.readTree(l));
    }

    @Test
    @DisplayName("one trigger id used through two stores at once creates one run")
    void twoStores_sameTrigger_oneRun() throws Exception {
      RunStore a = open();
      RunStore b = open();
      Trigger t = Trigger.of(TriggerSource.UI, "dbl-" + UUID.randomUUID());
      ExecutorService pool = Executors.newFixedThreadPool(8);
      CountDownLatch go = new CountDownLatch(1);
      try {
        List<Future<dev.runs.CreateResult>> fs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          RunStore s = i % 2 == 0 ? a : b;
          fs.add(
              pool.submit(
                  () -> {
                    go.await();
                    return s.create(
                        RunRecord.builder(WorkflowRef.of("w", "1"), ConfigSnapshot.empty(), t)
                            .build());
                  }));
        }
        go.countDown();
        Set<RunId> ids = new HashSet<>();
        int created = 0;
        for (Future<dev.runs.CreateResult> f : fs) {
          dev.runs.CreateResult r = f.get(60, TimeUnit.SECONDS);
          ids.add(r.record().id());
          created += r.created() ? 1 : 0;
        }
        assertThat(ids).hasSize(1);
        assertThat(created).isEqualTo(1);
      } finally {
        pool.shutdownNow();
      }
    }

    @Test
    @DisplayName("leases swap atomically across stores: exactly one of the racing owners wins")
    void twoStores_leaseRace_oneWins() throws Exception {
      RunStore a = open();
      RunStore b = open();
      RunId id = startedRun(a, "", 0);
      ExecutorService pool = Executors.newFixedThreadPool(8);
      CountDownLatch go = new CountDownLatch(1);
      try {
        List<Future<Boolean>> fs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          RunStore s = i % 2 == 0 ? a : b;
          String owner = "host-" + i;
          fs.add(
              pool.submit(
                  () -> {
                    go.await();
                    return s.acquireLease(id, owner, Duration.ofMinutes(5)).isPresent();
                  }));
        }
        go.countDown();
        int wins = 0;
        for (Future<Boolean> f : fs) {
          wins += f.get(60, TimeUnit.SECONDS) ? 1 : 0;
        }
        assertThat(wins).isEqualTo(1);
        assertThat(b.lease(id)).isEqualTo(a.lease(id));
      } finally {
        pool.shutdownNow();
      }
    }

    @Test
    @DisplayName(
        "the poller reports runs whose log grew through another store, and subscribers get those"
            + " events")
    void watch_reportsOtherWritersAppends() throws Exception {
      RunStore a = open();
      StoreLocation loc = StoreLocation.parse("file:" + root + "?poll_ms=20");
      RunStore b =
          RunStoreFactory.create(FileRunStoreProvider.openEngine(loc, ChannelOpener.DEFAULT), loc);
      opened.add(b);
      RunId id = startedRun(a, "", 0);
      assertThat(b.entry(id)).isPresent();
      ConcurrentLinkedQueue<RunChange> changes = new ConcurrentLinkedQueue<>();
      b.watch(changes::add);
      dev.runs.testkit.CollectingSubscriber sub =
          new dev.runs.testkit.CollectingSubscriber(Long.MAX_VALUE);
      b.subscribe(id, 0).subscribe(sub);
      a.append(id, List.of(line(1), line(2)));
      await(
          () -> changes.stream().anyMatch(c -> c.runId().equals(id) && c.lastSequence() == 4),
          Duration.ofSeconds(20));
      a.append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
      sub.awaitDone(Duration.ofSeconds(20));
      assertThat(sub.sequences()).containsExactly(1L, 2L, 3L, 4L, 5L);
      assertThat(changes).noneMatch(RunChange::created);
    }
  }

  /**
   * A damaged file beside the logs (a document, an archive stub, a stage manifest) reads as {@link
   * StoreCorruptedException}: the store's copy is bad, not what the caller asked. They used to read
   * as {@code ValidationException}, and a manifest listing a path no stage file can have was handed
   * out by {@code stages()} and refused only by {@code readStageFile} of that very path.
   */
  @Nested
  @DisplayName("damaged side files")
  class DamagedSideFiles {
    @Test
    void document_withAFieldThatDoesNotValidate_isCorrupted() throws IOException {
      RunStore store = open();
      store.saveDocument("notes", "n-1", Payload.of(Map.of("x", 1)));
      store.close();
      Path doc = root.resolve("documents/notes/n-1.json");
      Files.writeString(doc, "{\"x\":1e1000}");

      assertThatThrownBy(() -> open().findDocument("notes", "n-1"))
          .isInstanceOf(StoreCorruptedException.class)
          .hasMessageContaining("document notes/n-1")
          .hasMessageContaining("is damaged");
    }

    @Test
    void archiveStub_withAFieldThatDoesNotValidate_isCorrupted() throws IOException {
      RunId id;
      try (dev.runs.ArchiveStore archive =
          dev.runs.ArchiveStores.open("dir:" + tmp.resolve("archive"))) {
        RunStore store =
            RunStores.open(
                "file:" + root, dev.runs.RunStoreOptions.builder().archive(archive).build());
        opened.add(store);
        id = startedRun(store, "acme", 1);
        store.append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
        assertThat(
                dev.runs.RunArchiver.of(
                        store, archive, dev.runs.RetentionPolicy.keepFor(Duration.ZERO))
                    .archive(id))
            .isPresent();
        store.close();
      }
      Path stub = runDir(id).resolve("stub.json");
      Files.writeString(
          stub,
          Files.readString(stub)
              .replaceFirst("\"archived_at\":\"[^\"]*\"", "\"archived_at\":\"yesterday\""));

      assertThatThrownBy(() -> open().archived(id))
          .isInstanceOf(StoreCorruptedException.class)
          .hasMessageContaining("archive stub of run " + id + " is damaged");
    }

    @Test
    void tombstone_withAFieldThatDoesNotValidate_orAnotherRun_isCorrupted() throws IOException {
      RunStore store = open();
      RunId id = startedRun(store, "acme", 0);
      store.append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
      store.delete(id, "forget");
      store.close();
      Path tombstone;
      try (Stream<Path> files = Files.walk(root.resolve("documents/runs_tombstones"))) {
        tombstone = files.filter(p -> p.toString().endsWith(".json")).findFirst().get();
      }
      String text = Files.readString(tombstone);
      Files.writeString(
          tombstone,
          text.replaceFirst("\"deleted_at\":\"[^\"]*\"", "\"deleted_at\":\"yesterday\""));

      RunStore reopened = open();
      assertThatThrownBy(() -> reopened.tombstone(id))
          .isInstanceOf(StoreCorruptedException.class)
          .hasMessageContaining("tombstone of run " + id + " is damaged");
      assertThatThrownBy(() -> reopened.read(id, 0, 10))
          .isInstanceOf(StoreCorruptedException.class);
      reopened.close();

      Files.writeString(tombstone, text.replace(id.value(), id.value() + "0"));
      assertThatThrownBy(() -> open().tombstone(id))
          .isInstanceOf(StoreCorruptedException.class)
          .hasMessageContaining("it names run " + id.value() + "0");
    }

    @Test
    void stageManifest_listingAPathNoStageFileHas_isCorrupted() throws IOException {
      RunStore store = open();
      RunId id = startedRun(store, "acme", 0);
      store.writeStage(
          id,
          StageWrite.of("fetch")
              .withArtifact(StageArtifact.of("r.html", "report", "<p>".getBytes(UTF_8))));
      store.close();
      Path manifest;
      try (Stream<Path> files = Files.walk(runDir(id).resolve("stages"))) {
        manifest =
            files.filter(p -> p.getFileName().toString().equals("manifest.json")).findFirst().get();
      }
      Files.writeString(
          manifest, Files.readString(manifest).replace("artifacts/r.html", "artifacts/../r.html"));

      assertThatThrownBy(() -> open().stages(id))
          .isInstanceOf(StoreCorruptedException.class)
          .hasMessageContaining("files[0].path");
    }
  }
}
