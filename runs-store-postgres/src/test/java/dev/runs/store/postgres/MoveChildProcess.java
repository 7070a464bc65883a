package dev.runs.store.postgres;

import dev.runs.RunId;
import dev.runs.spi.StoreLocation;
import dev.runs.testkit.ChildJvm;
import dev.runs.testkit.TestImportedRun;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Another instance for the crash tests of runs that move, in its own JVM: an engine on the store of
 * {@code RUNS_CHILD_STORE_URI} (an environment variable, so a password never shows in a process
 * list; the schema is already migrated). It prints {@code READY}, waits for a line on stdin, then:
 *
 * <ul>
 *   <li>{@code import <run id> <trigger> <events> <stop at>}: imports a generated run ({@link
 *       TestImportedRun#generated}); when the engine asks for event {@code <stop at>} it prints
 *       {@code MIDWAY} and hangs there, in the middle of the import's transaction, to be killed (0:
 *       it goes on, and prints {@code DONE} at the end);
 *   <li>{@code delete <run id> <expected>} and {@code stub <run id> <expected>}: deletes or
 *       archives the run, then prints {@code DONE <result>} (the test blocks it halfway on a row
 *       lock and kills it).
 * </ul>
 */
final class MoveChildProcess {
  private MoveChildProcess() {}

  static ChildJvm start(String name, String storeUri, Path dir, String... args) {
    return startWithHeap(name, storeUri, dir, "-Xmx256m", args);
  }

  /**
   * @param heap the child's {@code -Xmx} option
   */
  static ChildJvm startWithHeap(
      String name, String storeUri, Path dir, String heap, String... args) {
    return ChildJvm.builder(MoveChildProcess.class)
        .name(name)
        .jvmOptions(heap)
        .args(args)
        .env("RUNS_CHILD_STORE_URI", storeUri)
        .stderrDirectory(dir)
        .start();
  }

  public static void main(String[] args) throws Exception {
    String uri = System.getenv("RUNS_CHILD_STORE_URI");
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    PgConfig config = PgConfig.parse(StoreLocation.parse(uri));
    try (PostgresEngine engine =
        new PostgresEngine(
            new PgPool(config), config.schema, config.describe(), config::scrub, 0, 1)) {
      out.println("READY");
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      if (in.readLine() == null) {
        return;
      }
      RunId id = RunId.of(args[1]);
      switch (args[0]) {
        case "import" -> {
          long stopAt = Long.parseLong(args[4]);
          engine.importRun(
              TestImportedRun.generated(id, args[2], Long.parseLong(args[3]))
                  .onEvent(
                      seq -> {
                        if (seq == stopAt) {
                          out.println("MIDWAY");
                          hang();
                        }
                      }));
          out.println("DONE");
        }
        case "delete" -> out.println("DONE " + engine.deleteRun(id, Long.parseLong(args[2])));
        case "stub" ->
            out.println("DONE " + engine.stubRun(id, Long.parseLong(args[2]), "{\"a\":1}"));
        default -> throw new IllegalArgumentException("unknown mode " + args[0]);
      }
    }
  }

  @SuppressWarnings("InfiniteLoopStatement")
  private static void hang() {
    while (true) {
      try {
        Thread.sleep(60_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
