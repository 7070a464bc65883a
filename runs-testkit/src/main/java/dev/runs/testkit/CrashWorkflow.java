package dev.runs.testkit;

import dev.runs.Workflow;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

/**
 * The workflow of the crash test: steps {@code one}, {@code two}, {@code three}, each leaving one
 * marker file per execution in a directory, so executions can be counted across processes. In the
 * child process, step {@code two} writes {@value #REACHED} and then blocks until the process is
 * killed.
 */
public final class CrashWorkflow {
  /** The workflow's registered name. */
  public static final String NAME = "crash-test";

  /** The workflow's registered version. */
  public static final String VERSION = "1";

  /** The marker step {@code two} writes before it blocks. */
  public static final String REACHED = "two-reached";

  private CrashWorkflow() {}

  /**
   * @param markers directory for the marker files
   * @param blockInStepTwo true in the child process that will be killed
   * @return the workflow
   */
  public static Workflow create(Path markers, boolean blockInStepTwo) {
    return ctx -> {
      ctx.step("one", String.class, () -> mark(markers, "one"));
      ctx.step(
          "two",
          String.class,
          () -> {
            String m = mark(markers, "two");
            if (blockInStepTwo) {
              Files.writeString(markers.resolve(REACHED), ctx.runId().value());
              new CountDownLatch(1).await();
            }
            return m;
          });
      return ctx.step("three", String.class, () -> mark(markers, "three"));
    };
  }

  private static String mark(Path markers, String step) throws IOException {
    String name = step + "-" + UUID.randomUUID();
    Files.createFile(markers.resolve(name));
    return name;
  }

  /**
   * @param markers the marker directory
   * @param step a step name
   * @return how many times the step's body ran, in every process
   */
  public static int executions(Path markers, String step) {
    try (Stream<Path> files = Files.list(markers)) {
      return (int)
          files
              .filter(
                  p ->
                      p.getFileName().toString().startsWith(step + "-")
                          && !p.getFileName().toString().equals(REACHED))
              .count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
