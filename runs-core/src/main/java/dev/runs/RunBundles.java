package dev.runs;

import dev.runs.internal.move.BulkTransfers;
import dev.runs.internal.move.BundleForms;
import dev.runs.internal.move.Bundles;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Moves runs between stores as bundles: one self-describing, verifiable {@code runs.bundle/1} file
 * per run, or, for runs with large stage files, a directory or zip holding the same lines with the
 * stage files beside them ({@link Form}; see {@code docs/bundles.md}). A bundle holds the run
 * record with its config snapshot and lineage, every event envelope exactly as stored, and every
 * stage file; importing it re-creates the run with the same ids, sequences, times, hashes and
 * files.
 *
 * <pre>{@code
 * RunBundles.export(sqlite, runId, Path.of("run.runs.ndjson"));
 * RunBundles.importInto(postgres, Path.of("run.runs.ndjson"));
 * RunBundles.copyAll(sqlite, postgres, RunSelection.all(), TransferListener.NONE); // migrate
 * }</pre>
 *
 * <p>Import checks the whole bundle (every line, the counts and sha256 in the header, the hash
 * chain, the state machine, every stage file) before anything is written, and the store writes the
 * run in one step. Importing the same bundle again changes nothing; a different run under an
 * existing id is an {@link ImportConflictException}; a bad bundle is a {@link
 * BundleFormatException} naming the line. Events are not redacted again: they keep the bytes the
 * source stored. Memory stays bounded for any run length (events stream through temporary files).
 *
 * <p>Works on stores opened through {@link RunStores}. Thread-safe: calls share no state.
 */
public final class RunBundles {
  /** File name suffix of bundles written by {@link #exportAll}. */
  public static final String SUFFIX = ".runs.ndjson";

  private RunBundles() {}

  /**
   * Writes a run's bundle to a stream. A run still being written is exported as far as its log went
   * when the export started. The header, which comes first, needs the events' count and sha256: the
   * events are read once and held in memory when their lines fit in 8 MiB, and read a second time
   * otherwise, so memory stays bounded for a run of any length.
   *
   * @param store the store
   * @param runId the run
   * @param out where to write (flushed, not closed)
   * @return the run's event count
   * @throws RunNotFoundException when the run does not exist
   * @throws UncheckedIOException when writing fails
   */
  public static long export(RunStore store, RunId runId, OutputStream out) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(out, "out");
    try {
      return Bundles.export(store, runId, out).eventCount();
    } catch (IOException e) {
      throw new UncheckedIOException("export of run " + runId + " failed: " + e.getMessage(), e);
    }
  }

  /**
   * Writes a run's bundle to a file, atomically: the file appears complete or not at all.
   *
   * @param store the store
   * @param runId the run
   * @param file the bundle file (replaced when it exists)
   * @return the run's event count
   * @throws RunNotFoundException when the run does not exist
   * @throws UncheckedIOException when writing fails
   */
  public static long export(RunStore store, RunId runId, Path file) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(file, "file");
    try {
      return Bundles.export(store, runId, file).eventCount();
    } catch (IOException e) {
      throw new UncheckedIOException("export of run " + runId + " to " + file + " failed", e);
    }
  }

  /**
   * The forms a bundle is written in. All three hold the same header and event lines and are
   * imported by the same {@link #importInto(RunStore, Path)}, which tells them apart by content.
   */
  public enum Form {
    /** One NDJSON file; each stage file travels base64-encoded on its own line. */
    FILE,
    /**
     * A directory: {@code bundle.ndjson} (the header, the event lines, and one line per stage file
     * naming it), and the stage files as they are under {@code files/<stage key>/<attempt>/}. For
     * runs with large stage files: no base64, no line-length ceiling.
     */
    DIRECTORY,
    /** The directory form's entries in one zip file (deflated): large stage files in one file. */
    ZIP
  }

  /**
   * Writes a run's bundle in the given form, atomically: the file, zip or directory appears
   * complete under its name or not at all. One method with a {@link Form} rather than one method
   * per form, so a caller that lets its user choose (a command line option, a setting) passes the
   * choice through, and the forms share one contract.
   *
   * <p>In the directory and zip forms stage files are copied as they are, never as base64; the
   * store hands over one stage file at a time ({@link RunStore#readStageFile}), so memory holds at
   * most one file's bytes, once.
   *
   * @param store the store
   * @param runId the run
   * @param target the bundle file or zip (replaced when it exists), or the directory (which must
   *     not exist, or be empty)
   * @param form the form
   * @return the run's event count
   * @throws RunNotFoundException when the run does not exist
   * @throws UncheckedIOException when writing fails, or the directory exists and is not empty
   */
  public static long export(RunStore store, RunId runId, Path target, Form form) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(form, "form");
    try {
      return switch (form) {
        case FILE -> Bundles.export(store, runId, target).eventCount();
        case DIRECTORY -> BundleForms.exportDirectory(store, runId, target).eventCount();
        case ZIP -> BundleForms.exportZip(store, runId, target).eventCount();
      };
    } catch (IOException e) {
      throw new UncheckedIOException(
          "export of run " + runId + " to " + target + " (" + form + ") failed: " + e.getMessage(),
          e);
    }
  }

  /**
   * Imports a bundle in any {@link Form}, told apart by content: a directory is the directory form,
   * a file starting with a zip's magic bytes the zip form, any other file the one-file form. Every
   * form is checked completely before anything is visible: in the directory and zip forms every
   * stage file's size and sha256 against its line and manifest, and any missing file, file no
   * manifest lists, or zip entry name that is absolute or contains {@code ..} is refused.
   *
   * @param store the target store
   * @param file the bundle: a file, a zip or a directory
   * @return the run and whether it was written
   * @throws BundleFormatException when the bundle is malformed, truncated or tampered with
   * @throws ImportConflictException when the store holds a different run under the id or trigger id
   * @throws RunDeletedException when the id was deleted from the store (see {@link
   *     #forceImportInto})
   */
  public static ImportResult importInto(RunStore store, Path file) {
    return importFile(store, file, false);
  }

  /**
   * Imports a bundle (in any {@link Form}) even when its run was deleted from the store; the
   * tombstone goes.
   *
   * @param store the target store
   * @param file the bundle: a file, a zip or a directory
   * @return the run and whether it was written
   */
  public static ImportResult forceImportInto(RunStore store, Path file) {
    return importFile(store, file, true);
  }

  private static ImportResult importFile(RunStore store, Path file, boolean force) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(file, "file");
    try {
      return BundleForms.importAny(store, file, force);
    } catch (IOException e) {
      throw new UncheckedIOException("import of " + file + " failed: " + e.getMessage(), e);
    }
  }

  /**
   * Imports a bundle from a stream (spooled to a temporary file to be checked first).
   *
   * @param store the target store
   * @param in the bundle (read to its end, not closed)
   * @return the run and whether it was written
   */
  public static ImportResult importInto(RunStore store, InputStream in) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(in, "in");
    try {
      return Bundles.importStream(store, in, "<stream>", false);
    } catch (IOException e) {
      throw new UncheckedIOException("import from a stream failed: " + e.getMessage(), e);
    }
  }

  /**
   * Exports every selected run into a directory, one {@code <run id>.runs.ndjson} file per run
   * ({@code /} in ids becomes {@code ~}). Resumable: a bundle already in the directory is skipped,
   * so run it again after a crash. Failures are reported, not thrown; the others go on.
   *
   * @param store the store
   * @param selection which runs
   * @param dir the directory (created when missing)
   * @param listener told of progress after each run
   * @return counts and failures
   */
  public static TransferReport exportAll(
      RunStore store, RunSelection selection, Path dir, TransferListener listener) {
    return BulkTransfers.exportAll(store, selection, dir, listener);
  }

  /**
   * Imports every {@code *.runs.ndjson} bundle of a directory, in name order. Resumable: runs the
   * store already holds identically are skipped. Failures are reported, not thrown.
   *
   * @param store the target store
   * @param dir the directory
   * @param listener told of progress after each bundle
   * @return counts and failures
   */
  public static TransferReport importAll(RunStore store, Path dir, TransferListener listener) {
    return BulkTransfers.importAll(store, dir, listener);
  }

  /**
   * Copies every selected run from one store into another ({@code sqlite:} to {@code postgres:},
   * say) through bundles in a temporary directory. Resumable: runs the target holds with the same
   * last sequence are skipped. Failures are reported, not thrown.
   *
   * @param from the source store
   * @param to the target store
   * @param selection which runs
   * @param listener told of progress after each run
   * @return counts and failures
   */
  public static TransferReport copyAll(
      RunStore from, RunStore to, RunSelection selection, TransferListener listener) {
    return BulkTransfers.copyAll(from, to, selection, listener);
  }

  /**
   * @param runId a run id
   * @return the file name {@link #exportAll} gives its bundle
   */
  public static String fileName(RunId runId) {
    return runId.value().replace('/', '~') + SUFFIX;
  }
}
