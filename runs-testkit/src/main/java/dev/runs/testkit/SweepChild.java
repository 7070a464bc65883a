package dev.runs.testkit;

import dev.runs.ArchiveStore;
import dev.runs.ArchiveStores;
import dev.runs.RetentionPolicy;
import dev.runs.RunArchiver;
import dev.runs.RunEntry;
import dev.runs.RunQuery;
import dev.runs.RunStore;
import dev.runs.RunStoreOptions;
import dev.runs.RunStores;
import java.time.Duration;

/**
 * The child process of {@link ArchiveSweepCrashContract}: archives every run, restores every run,
 * and again, printing {@code cycle <n>} after each round, until the parent kills it.
 *
 * <p>Arguments: the store URI, the archive URI.
 */
public final class SweepChild {
  private SweepChild() {}

  /**
   * Runs the child.
   *
   * @param args store URI, archive URI
   */
  public static void main(String[] args) {
    if (args.length != 2) {
      throw new IllegalArgumentException("usage: SweepChild <store-uri> <archive-uri>");
    }
    try (ArchiveStore archive = ArchiveStores.open(args[1]);
        RunStore store =
            RunStores.open(args[0], RunStoreOptions.builder().archive(archive).build())) {
      RunArchiver archiver = RunArchiver.of(store, archive, RetentionPolicy.keepFor(Duration.ZERO));
      System.out.println("ready");
      for (int cycle = 1; ; cycle++) {
        archiver.sweep();
        for (RunEntry e : store.list(RunQuery.builder().limit(RunQuery.MAX_LIMIT).build()).runs()) {
          archiver.restore(e.id());
        }
        System.out.println("cycle " + cycle);
      }
    }
  }
}
