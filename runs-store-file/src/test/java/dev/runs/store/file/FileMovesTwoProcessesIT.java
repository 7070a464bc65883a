package dev.runs.store.file;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.ConfigSnapshot;
import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.RunId;
import dev.runs.RunRecord;
import dev.runs.RunStore;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.WorkflowRef;
import dev.runs.spi.RunStoreFactory;
import dev.runs.spi.StoreLocation;
import dev.runs.store.file.FileMovingRunsTest.Snapshot;
import dev.runs.testkit.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child JVM appends to a run it has loaded while this JVM archives, restores, deletes and imports
 * that run again: the child sees each change at once (appends refused as archived, then accepted,
 * then refused as not found, then accepted after the new import), no acknowledged append is lost or
 * written after the change that should have stopped it, and the child's lock on the deleted
 * directory's lock file does not keep it from excluding this JVM's writers of the new directory.
 */
final class FileMovesTwoProcessesIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path tmp;
  Path dir;
  FileEngine engine;
  RunStore store;

  @BeforeEach
  void setUp() {
    dir = tmp.resolve("store");
    open();
  }

  void open() {
    StoreLocation loc = StoreLocation.parse("file:" + dir + "?poll_ms=0");
    engine = FileRunStoreProvider.openEngine(loc, ChannelOpener.DEFAULT);
    store = RunStoreFactory.create(engine, loc);
  }

  @AfterEach
  void close() {
    store.close();
  }

  /** Sends a one-line command and takes its answer. */
  private static String answer(ChildJvm child, String command) throws Exception {
    child.send(command);
    return child.pollLine(WAIT).orElseThrow(() -> new AssertionError("no answer to " + command));
  }

  private static long maxAck(List<String> lines) {
    return lines.stream()
        .filter(l -> l.startsWith("ack "))
        .mapToLong(l -> Long.parseLong(l.substring(4)))
        .max()
        .orElse(0);
  }

  @Test
  @Timeout(300)
  void childAppending_seesStubRestoreDeleteAndImport() throws Exception {
    RunId id =
        store
            .create(
                RunRecord.builder(
                        WorkflowRef.of("w", "1"),
                        ConfigSnapshot.empty(),
                        Trigger.of(TriggerSource.TEST, "two-moves"))
                    .namespace("two")
                    .build())
            .record()
            .id();
    store.append(id, EventDraft.of(EventTypes.RUN_STARTED));
    try (ChildJvm child =
        FileStoreChild.start(tmp.resolve("logs"), "driven", dir.toString(), id.value())) {
      child.awaitLine("ready", WAIT);
      assertThat(child.pollLine(WAIT)).contains("ready");
      assertThat(answer(child, "append")).isEqualTo("ack 3");

      // archive while the child appends as fast as it can
      child.send("burst");
      child.await(ls -> ls.stream().filter(l -> l.startsWith("ack ")).count() > 30, WAIT);
      Snapshot archived = null;
      for (int attempt = 0; attempt < 2000 && archived == null; attempt++) {
        Snapshot s = Snapshot.of(store, id);
        if (engine.stubRun(id, s.entry().lastSequence(), "{\"n\":1}")) {
          archived = s;
        }
      }
      assertThat(archived).as("archived while the child appends").isNotNull();
      List<String> burst = drain(child, "refused");
      assertThat(burst).last().isEqualTo("refused RunArchivedException");
      assertThat(maxAck(burst))
          .as("the child's last acknowledged append is the archived head")
          .isEqualTo(archived.entry().lastSequence());
      assertThat(answer(child, "append")).isEqualTo("refused RunArchivedException");
      assertThat(answer(child, "entry")).isEqualTo("entry " + archived.entry().lastSequence());

      // restore: the child appends again, after the restored head
      engine.importRun(archived.source().replacingStub());
      assertThat(answer(child, "append")).isEqualTo("ack " + (archived.entry().lastSequence() + 1));

      // delete while the child appends
      int before = child.lines().size();
      child.send("burst");
      child.await(
          ls ->
              ls.subList(before, ls.size()).stream().filter(l -> l.startsWith("ack ")).count() > 30,
          WAIT);
      Snapshot deleted = null;
      for (int attempt = 0; attempt < 2000 && deleted == null; attempt++) {
        Snapshot s = Snapshot.of(store, id);
        if (engine.deleteRun(id, s.entry().lastSequence())) {
          deleted = s;
        }
      }
      assertThat(deleted).as("deleted while the child appends").isNotNull();
      burst = drain(child, "refused");
      assertThat(burst).last().isEqualTo("refused RunNotFoundException");
      assertThat(maxAck(burst)).isEqualTo(deleted.entry().lastSequence());
      assertThat(Files.exists(dir.resolve("runs").resolve(id.value())))
          .as("nothing wrote the deleted run back")
          .isFalse();
      assertThat(answer(child, "entry")).isEqualTo("entry none");

      // import it again from a store opened afresh (so this JVM holds no lock file of the deleted
      // directory, as another process would not): the child, whose views and lock file point at
      // the deleted directory, goes on
      store.close();
      open();
      engine.importRun(deleted.source());
      long next = deleted.entry().lastSequence() + 1;
      assertThat(answer(child, "append")).isEqualTo("ack " + next);
      assertThat(store.append(id, FileStoreChild.text("parent")).sequence()).isEqualTo(next + 1);
      assertThat(answer(child, "append")).isEqualTo("ack " + (next + 2));
      // both append at once: the child's lock must exclude this JVM's writers of the new log
      child.send("many");
      for (int i = 0; i < 200; i++) {
        store.append(id, FileStoreChild.text("parent-" + i));
      }
      assertThat(child.pollLine(WAIT)).contains("appended 200");
      assertThat(FileMovingRunsTest.all(store, id))
          .extracting(e -> e.sequence())
          .containsExactlyElementsOf(
              java.util.stream.LongStream.rangeClosed(1, next + 402).boxed().toList());
      assertThat(store.verify(id).ok()).isTrue();
      child.send("exit");
      assertThat(child.awaitExit(WAIT)).isZero();
    }
  }

  /** Takes lines until one starts with {@code last}. */
  private static List<String> drain(ChildJvm child, String last) throws Exception {
    List<String> out = new ArrayList<>();
    while (true) {
      String line = child.pollLine(WAIT).orElseThrow(() -> new AssertionError("no answer"));
      out.add(line);
      if (line.startsWith(last)) {
        return out;
      }
    }
  }
}
