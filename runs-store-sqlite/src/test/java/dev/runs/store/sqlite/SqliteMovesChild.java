package dev.runs.store.sqlite;

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
 * The second process of {@link SqliteMovesCrashIT}, started with the test class path; it works on
 * the engine directly. Modes:
 *
 * <ul>
 *   <li>{@code import <db> <run> <trigger> <count> <pauseAt>}: prints {@code READY}, imports a
 *       generated run of {@code count} events ({@link TestImportedRun#generated(dev.runs.RunRecord,
 *       long)}), prints {@code DONE <millis>}. With {@code pauseAt > 0}, prints {@code PAUSED} when
 *       the stream reaches that event and waits for a line on stdin (that never comes: the test
 *       kills it there, inside the import's transaction).
 *   <li>{@code delete <db> <run> <expectedLastSequence>}: prints {@code READY}, deletes the run,
 *       prints {@code DONE <millis>}.
 *   <li>{@code stub <db> <run> <expectedLastSequence>}: the same, replacing the run by a stub.
 * </ul>
 */
final class SqliteMovesChild {
  private SqliteMovesChild() {}

  /** The stub the {@code stub} mode writes. */
  static final String STUB = "{\"archive\":\"crash-test\"}";

  /**
   * Starts a child in its own JVM.
   *
   * @param workDir where its stderr file goes
   * @param heap the -Xmx value, e.g. {@code 64m}
   * @param args the mode and its arguments
   * @return the running child
   */
  static ChildJvm start(Path workDir, String heap, String... args) {
    return ChildJvm.builder(SqliteMovesChild.class)
        .args(args)
        .jvmOptions("-Xmx" + heap, "-XX:+UseSerialGC")
        .stderrDirectory(workDir)
        .start();
  }

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    String mode = args[0];
    try (SqliteEngine engine =
        SqliteEngine.open(SqliteSettings.from(StoreLocation.parse("sqlite:" + args[1])))) {
      RunId run = RunId.of(args[2]);
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      println(out, "READY");
      long start = System.nanoTime();
      switch (mode) {
        case "import" -> {
          long pauseAt = Long.parseLong(args[5]);
          engine.importRun(
              TestImportedRun.generated(Fixtures.record(run, args[3]), Long.parseLong(args[4]))
                  .onEvent(
                      seq -> {
                        if (seq == pauseAt) {
                          println(out, "PAUSED");
                          try {
                            in.readLine();
                          } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                          }
                        }
                      }));
        }
        case "delete" -> {
          if (!engine.deleteRun(run, Long.parseLong(args[3]))) {
            throw new IllegalStateException("delete refused");
          }
        }
        case "stub" -> {
          if (!engine.stubRun(run, Long.parseLong(args[3]), STUB)) {
            throw new IllegalStateException("stub refused");
          }
        }
        default -> throw new IllegalArgumentException("unknown mode " + mode);
      }
      println(out, "DONE " + (System.nanoTime() - start) / 1_000_000);
    }
  }

  private static void println(PrintStream out, String line) {
    out.println(line);
    out.flush();
  }
}
