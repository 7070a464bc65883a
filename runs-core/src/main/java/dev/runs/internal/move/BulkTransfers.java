package dev.runs.internal.move;

import dev.runs.ImportResult;
import dev.runs.RunBundles;
import dev.runs.RunEntry;
import dev.runs.RunSelection;
import dev.runs.RunStore;
import dev.runs.TransferListener;
import dev.runs.TransferReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/** The bulk forms of {@link RunBundles}: directories of bundles and store-to-store copies. */
public final class BulkTransfers {
  private BulkTransfers() {}

  /** See {@link RunBundles#exportAll}. */
  public static TransferReport exportAll(
      RunStore store, RunSelection selection, Path dir, TransferListener listener) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(selection, "selection");
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(listener, "listener");
    List<RunEntry> runs = Selections.list(store, selection);
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dir, e);
    }
    Transfer t = new Transfer(runs.size(), listener);
    for (RunEntry e : runs) {
      Path target = dir.resolve(RunBundles.fileName(e.id()));
      if (Files.exists(target)) {
        t.skipped();
        continue;
      }
      try {
        Bundles.Exported x = Bundles.export(store, e.id(), target);
        t.done(x.eventCount(), x.bytes());
      } catch (IOException | RuntimeException ex) {
        t.failed(e.id().value(), ex);
      }
    }
    return t.report();
  }

  /** See {@link RunBundles#importAll}. */
  public static TransferReport importAll(RunStore store, Path dir, TransferListener listener) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(listener, "listener");
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files =
          list.filter(p -> p.getFileName().toString().endsWith(RunBundles.SUFFIX))
              .sorted()
              .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
    Transfer t = new Transfer(files.size(), listener);
    for (Path f : files) {
      try {
        long size = Files.size(f);
        ImportResult r = Bundles.importFile(store, f, f.toString(), false);
        if (r.imported()) {
          t.done(r.eventCount(), size);
        } else {
          t.skipped();
        }
      } catch (IOException | RuntimeException ex) {
        t.failed(f.getFileName().toString(), ex);
      }
    }
    return t.report();
  }

  /** See {@link RunBundles#copyAll}. */
  public static TransferReport copyAll(
      RunStore from, RunStore to, RunSelection selection, TransferListener listener) {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(selection, "selection");
    Objects.requireNonNull(listener, "listener");
    List<RunEntry> runs = Selections.list(from, selection);
    Transfer t = new Transfer(runs.size(), listener);
    Path tmp;
    try {
      tmp = Files.createTempDirectory("runs-copy-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory", e);
    }
    try {
      for (RunEntry e : runs) {
        Optional<RunEntry> there = to.entry(e.id());
        if (there.isPresent() && there.get().lastSequence() == e.lastSequence()) {
          t.skipped();
          continue;
        }
        Path bundle = tmp.resolve(RunBundles.fileName(e.id()));
        try {
          Bundles.Exported x = Bundles.export(from, e.id(), bundle);
          ImportResult r = Bundles.importFile(to, bundle, from.location() + " " + e.id(), false);
          if (r.imported()) {
            t.done(x.eventCount(), x.bytes());
          } else {
            t.skipped();
          }
        } catch (IOException | RuntimeException ex) {
          t.failed(e.id().value(), ex);
        } finally {
          try {
            Files.deleteIfExists(bundle);
          } catch (IOException ignored) {
            // the temporary directory goes below
          }
        }
      }
    } finally {
      try {
        Bundles.deleteTree(tmp);
      } catch (IOException ignored) {
        // a temporary directory left behind is harmless
      }
    }
    return t.report();
  }
}
