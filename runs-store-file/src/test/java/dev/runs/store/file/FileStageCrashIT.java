package dev.runs.store.file;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.ConfigSnapshot;
import dev.runs.Payload;
import dev.runs.RunId;
import dev.runs.RunRecord;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.StageManifest;
import dev.runs.StageWrite;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.WorkflowRef;
import dev.runs.testkit.ChildJvm;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILLs a child JVM in the middle of writing 50 MB stage artifacts, a few times, and checks that
 * the reopened store removes the partial temporary files and the attempts without manifest while
 * every complete attempt stays as it was and verifies; and that a store in this process, sweeping
 * while the child writes, leaves the child's live attempt alone.
 */
final class FileStageCrashIT {
  private static final int KILLS = 3;
  private static final int MEGABYTES = 50;
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path tmp;

  @Test
  @Timeout(180)
  void sigkill_midStageWrite_reopenRemovesLeftovers_completeAttemptsVerify() throws Exception {
    Path dir = tmp.resolve("store");
    RunId id;
    try (RunStore store = RunStores.open("file:" + dir + "?poll_ms=0")) {
      id =
          store
              .create(
                  RunRecord.builder(
                          WorkflowRef.of("stages", "1"),
                          ConfigSnapshot.empty(),
                          Trigger.of(TriggerSource.TEST, "stage-crash"))
                      .build())
              .record()
              .id();
    }
    Path stages = dir.resolve("runs").resolve(id.value()).resolve("stages");
    Set<String> acknowledged = new HashSet<>();
    int tmpLeftovers = 0;
    int incompleteLeftovers = 0;
    for (int round = 0; round < KILLS; round++) {
      try (ChildJvm child =
          ChildJvm.builder(FileStoreChild.class)
              .args("stages", dir.toString(), id.value(), String.valueOf(MEGABYTES))
              .jvmOptions("-Xmx512m", "-XX:TieredStopAtLevel=1")
              .stderrDirectory(tmp.resolve("logs"))
              .start()) {
        child.awaitLine("ready", WAIT);
        child.await(ls -> stageLines(ls) >= 1, WAIT);
        if (round == 0) {
          // while the child writes its next attempt, this process sweeps and writes the same stage
          FileRunStoreTest.await(() -> !partialTmpFiles(stages).isEmpty(), WAIT);
          List<Path> live = incompleteAttempts(stages);
          assertThat(live).isNotEmpty();
          try (RunStore parent = RunStores.open("file:" + dir + "?poll_ms=0")) {
            parent.stages(id);
            StageManifest m =
                parent.writeStage(id, StageWrite.of("big").withOutput(Payload.of(Map.of("p", 1))));
            assertThat(live).as("the child's live attempt").allMatch(Files::isDirectory);
            acknowledged.add(m.stageKey() + "#" + m.attempt());
          }
          // the child finishes the attempt it was writing (had it lost it, it would have died)
          int before = stageLines(child.lines());
          child.await(ls -> stageLines(ls) > before, WAIT);
        }
        FileRunStoreTest.await(() -> !partialTmpFiles(stages).isEmpty(), WAIT);
        child.kill();
        for (String line : child.lines()) {
          String[] f = line.split(" ", -1);
          if (f[0].equals("stage")) {
            acknowledged.add(f[1] + "#" + f[2]);
          }
        }
      }
      List<Path> tmpFiles = tmpFiles(dir);
      List<Path> incomplete = incompleteAttempts(stages);
      tmpLeftovers += tmpFiles.size();
      incompleteLeftovers += incomplete.size();
      Map<Path, String> completeFiles = completeAttemptFiles(stages);

      try (RunStore store = RunStores.open("file:" + dir + "?poll_ms=0")) {
        List<StageManifest> listed = store.stages(id);
        assertThat(tmpFiles(dir)).as("round %d: temporary files left", round).isEmpty();
        assertThat(incompleteAttempts(stages))
            .as("round %d: attempts without manifest left", round)
            .isEmpty();
        assertThat(completeAttemptFiles(stages))
            .as("round %d: complete attempts untouched", round)
            .isEqualTo(completeFiles);
        Set<String> stored = new HashSet<>();
        for (StageManifest m : listed) {
          stored.add(m.stageKey() + "#" + m.attempt());
          assertThat(store.verifyStage(id, m.stageKey(), m.attempt()).ok())
              .as("round %d: stage %s#%d verifies", round, m.stageKey(), m.attempt())
              .isTrue();
        }
        assertThat(stored).as("round %d: acknowledged attempts", round).containsAll(acknowledged);
        int next = listed.stream().mapToInt(StageManifest::attempt).max().orElse(0) + 1;
        StageManifest m =
            store.writeStage(id, StageWrite.of("big").withOutput(Payload.of(Map.of("r", round))));
        assertThat(m.attempt()).as("round %d: the next attempt number", round).isEqualTo(next);
        acknowledged.add(m.stageKey() + "#" + m.attempt());
      }
    }
    assertThat(tmpLeftovers).as("kills that left partial temporary files").isPositive();
    assertThat(incompleteLeftovers).as("kills that left attempts without manifest").isPositive();
    System.out.printf(
        "FileStageCrashIT: %d kills left %d temporary files and %d attempts without manifest;"
            + " %d complete attempts%n",
        KILLS, tmpLeftovers, incompleteLeftovers, acknowledged.size());
  }

  private static int stageLines(List<String> lines) {
    return (int) lines.stream().filter(l -> l.startsWith("stage ")).count();
  }

  /** Temporary files below a directory, tolerating files renamed or removed meanwhile. */
  private static List<Path> tmpFiles(Path dir) throws IOException {
    List<Path> out = new ArrayList<>();
    Files.walkFileTree(
        dir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
            if (file.getFileName().toString().endsWith(DurableFs.TMP_SUFFIX)) {
              out.add(file);
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) {
            return FileVisitResult.CONTINUE;
          }
        });
    return out;
  }

  /** Temporary files of stage attempts that hold at least one byte: a write in progress. */
  private static List<Path> partialTmpFiles(Path stages) {
    try {
      List<Path> out = new ArrayList<>();
      for (Path p : tmpFiles(stages)) {
        try {
          if (Files.size(p) > 0) {
            out.add(p);
          }
        } catch (NoSuchFileException renamed) {
          // the write finished meanwhile
        }
      }
      return out;
    } catch (IOException e) {
      throw new AssertionError("cannot list " + stages, e);
    }
  }

  /** Attempt directories without manifest. */
  private static List<Path> incompleteAttempts(Path stages) throws IOException {
    List<Path> out = new ArrayList<>();
    for (Path attempt : attemptDirs(stages)) {
      if (!Files.exists(attempt.resolve(Layout.MANIFEST))) {
        out.add(attempt);
      }
    }
    return out;
  }

  /** Every file of every complete attempt, with its size and modification time. */
  private static Map<Path, String> completeAttemptFiles(Path stages) throws IOException {
    Map<Path, String> out = new TreeMap<>();
    for (Path attempt : attemptDirs(stages)) {
      if (Files.exists(attempt.resolve(Layout.MANIFEST))) {
        try (var files = Files.walk(attempt)) {
          for (Path p : files.filter(Files::isRegularFile).toList()) {
            out.put(stages.relativize(p), Files.size(p) + " " + Files.getLastModifiedTime(p));
          }
        }
      }
    }
    return out;
  }

  private static List<Path> attemptDirs(Path stages) throws IOException {
    List<Path> out = new ArrayList<>();
    if (!Files.isDirectory(stages)) {
      return out;
    }
    try (DirectoryStream<Path> stageDirs = Files.newDirectoryStream(stages)) {
      for (Path stage : stageDirs) {
        try (DirectoryStream<Path> attempts = Files.newDirectoryStream(stage)) {
          for (Path a : attempts) {
            if (Files.isDirectory(a)) {
              out.add(a);
            }
          }
        }
      }
    }
    return out;
  }
}
