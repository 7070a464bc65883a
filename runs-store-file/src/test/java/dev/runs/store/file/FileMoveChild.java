package dev.runs.store.file;

import dev.runs.ConfigSnapshot;
import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.Payload;
import dev.runs.RunId;
import dev.runs.RunRecord;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.StageArtifact;
import dev.runs.StageWrite;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.WorkflowRef;
import dev.runs.spi.StoreLocation;
import dev.runs.testkit.ChildJvm;
import dev.runs.testkit.TestImportedRun;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The other process of {@link FileMoveCrashIT}: moves runs through the file engine forever and
 * prints what it does, one line per fact ({@link ChildJvm} never shows a line cut by SIGKILL):
 *
 * <ul>
 *   <li>{@code plan <id> <trigger> <last sequence> <stage attempts>} before a run is imported;
 *   <li>{@code begin <op> <id>} before and {@code done <op> <id>} after each operation, {@code op}
 *       one of {@code import}, {@code stub}, {@code restore}, {@code delete};
 *   <li>{@code progress <id> <sequence>} every 1,000 events an import reads.
 * </ul>
 *
 * Run {@code n} (from 0) is imported; unless {@code n % 4 == 0} it is then archived; unless {@code
 * n % 4 == 1} restored; unless {@code n % 4 == 2} deleted. Usage: {@code <dir> <tag> <events>}.
 */
final class FileMoveChild {
  private FileMoveChild() {}

  static ChildJvm start(Path logDir, String dir, String tag, int events) {
    return ChildJvm.builder(FileMoveChild.class)
        .args(dir, tag, String.valueOf(events))
        .jvmOptions("-Xmx256m", "-XX:TieredStopAtLevel=1")
        .stderrDirectory(logDir)
        .start();
  }

  /** The stub the child archives run {@code id} with. */
  static String stubJson(String id) {
    return "{\"archive\":\"dir:/nowhere\",\"run\":\"" + id + "\"}";
  }

  public static void main(String[] args) throws Exception {
    String tag = args[1];
    int events = Integer.parseInt(args[2]);
    StoreLocation loc = StoreLocation.parse("file:" + args[0] + "?poll_ms=0");
    FileEngine engine = FileRunStoreProvider.openEngine(loc, ChannelOpener.DEFAULT);
    Random random = new Random();
    byte[] artifact = new byte[200_000];
    try (FileEngine moving = engine;
        RunStore source = RunStores.open("memory:")) {
      FileStoreChild.say("ready");
      for (int n = 0; ; n++) {
        String trigger = tag + "-" + n;
        RunId id =
            source
                .create(
                    RunRecord.builder(
                            WorkflowRef.of("move", "1"),
                            ConfigSnapshot.empty(),
                            Trigger.of(TriggerSource.TEST, trigger))
                        .namespace("moved/" + tag)
                        .build())
                .record()
                .id();
        source.append(id, EventDraft.of(EventTypes.RUN_STARTED));
        List<EventDraft> batch = new ArrayList<>();
        for (int i = 0; i < events - 3; i++) {
          batch.add(FileStoreChild.text(trigger + "-" + i));
          if (batch.size() == 500 || i == events - 4) {
            source.append(id, batch);
            batch.clear();
          }
        }
        random.nextBytes(artifact);
        source.writeStage(
            id,
            StageWrite.of("fetch")
                .withOutput(Payload.of(Map.of("n", n)))
                .withArtifact(StageArtifact.of("blob.bin", "bin", artifact)));
        source.writeStage(id, StageWrite.of("fetch").withOutput(Payload.of(Map.of("again", n))));
        long last = source.append(id, EventDraft.of(EventTypes.RUN_COMPLETED)).sequence();
        TestImportedRun whole = progressing(TestImportedRun.from(source, id), id);
        FileStoreChild.say("plan " + id + " " + trigger + " " + last + " 2");

        op("import", id, () -> moving.importRun(whole));
        if (n % 4 == 0) {
          continue;
        }
        op("stub", id, () -> moving.stubRun(id, last, stubJson(id.value())));
        if (n % 4 == 1) {
          continue;
        }
        TestImportedRun back = progressing(TestImportedRun.from(source, id), id).replacingStub();
        op("restore", id, () -> moving.importRun(back));
        if (n % 4 == 2) {
          continue;
        }
        op("delete", id, () -> moving.deleteRun(id, last));
      }
    }
  }

  private static void op(String name, RunId id, Runnable action) {
    FileStoreChild.say("begin " + name + " " + id);
    action.run();
    FileStoreChild.say("done " + name + " " + id);
  }

  /** The same run, printing a line every 1,000 events read. */
  private static TestImportedRun progressing(TestImportedRun s, RunId id) {
    return s.onEvent(
        seq -> {
          if (seq % 1000 == 0) {
            FileStoreChild.say("progress " + id + " " + seq);
          }
        });
  }
}
