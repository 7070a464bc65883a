package dev.runs.store.file;

import dev.runs.RunId;
import dev.runs.StageExistsException;
import dev.runs.StageManifest;
import dev.runs.StageVerification;
import dev.runs.StageWrite;
import dev.runs.StoreCorruptedException;
import dev.runs.StoreIoException;
import dev.runs.ValidationException;
import dev.runs.spi.StageIntegrity;
import dev.runs.spi.StageSlots;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage attempts under {@code <run>/stages/<NN>-<stage-key>/attempt-<n>/}: input.json, output.json,
 * artifacts and, last, manifest.json. An attempt directory is claimed (created) under the run's
 * lock, which decides position and attempt number across processes; the files are then written
 * outside the lock, each atomically. An attempt without a manifest is incomplete and not listed; a
 * failed write removes its attempt directory.
 *
 * <p><b>Leftovers of writers that died.</b> A process killed while writing a stage leaves an
 * attempt directory without manifest, possibly holding partial {@code .<name>.<random>.tmp} files
 * as large as the artifact. A writer shares the run's {@code stages.lock} ({@link SharedFileLocks})
 * from its claim until its manifest is written or its attempt removed, so an incomplete attempt
 * whose writer is alive always has the lock shared. The <em>sweep</em>, holding the run's lock (no
 * claim can happen meanwhile) and {@code stages.lock} alone (no writer of the run is alive in any
 * process), removes every incomplete attempt directory and every stage directory left empty; it
 * never touches an attempt that has its manifest. If the lock is shared, the sweep leaves
 * everything for a later one. It runs:
 *
 * <ul>
 *   <li>over the whole run, on the first stage call of the run in this store instance (write, list,
 *       read, verify), like the event log's recovery on first touch, and again on later calls until
 *       one completes: a reopened store thus cleans a run when its stages are next used, and
 *       opening a store costs nothing per run;
 *   <li>over the written stage's directories, on every later write, before its attempt is numbered:
 *       a stage retried after its writer died reuses the dead attempt's number.
 * </ul>
 *
 * <p>Numbering: a removed attempt frees its number and a removed stage directory its position, as
 * if the write had never started (as with a failed write, and as in the SQL stores, where a killed
 * write leaves nothing); an incomplete attempt that cannot be removed yet (a writer of the run is
 * alive) counts as taken.
 *
 * <p>A claim checks, under the run's lock, that the run is neither an archive stub ({@link
 * dev.runs.RunArchivedException}) nor gone ({@link RunGone}). Thread-safe.
 */
final class StageStore {
  private static final Logger log = LoggerFactory.getLogger(StageStore.class);
  private static final Pattern STAGE_DIR =
      Pattern.compile("([0-9]{2,9})-([a-z0-9][a-z0-9._-]{0,63})");
  private static final Pattern ATTEMPT_DIR = Pattern.compile("attempt-([1-9][0-9]{0,8})");

  private final DurableFs fs;

  /** Runs whose stages this instance swept completely; the others are swept on their next call. */
  private final Set<RunId> swept = ConcurrentHashMap.newKeySet();

  StageStore(DurableFs fs) {
    this.fs = fs;
  }

  /** A claimed attempt; {@code writing} shares the run's stage lock until the write ends. */
  private record Claim(
      int position,
      int attempt,
      Path stageDir,
      Path attemptDir,
      boolean newStageDir,
      SharedFileLocks.Held writing) {}

  private record StageDir(int position, String key, Path path) {}

  StageManifest write(RunLog run, StageWrite write, Instant now) {
    Path stages = run.dir.resolve(Layout.STAGES);
    Claim c = claim(run, stages, write);
    try {
      return writeClaimed(run, stages, write, now, c);
    } finally {
      c.writing().close();
    }
  }

  private StageManifest writeClaimed(
      RunLog run, Path stages, StageWrite write, Instant now, Claim c) {
    try {
      StageManifest m = StageManifest.compute(run.id, write, c.position(), c.attempt(), now);
      for (StageWrite.StageFile f : write.files()) {
        Path target = Layout.resolveRelative(c.attemptDir(), f.path());
        fs.createDirectories(c.attemptDir(), DurableFs.parentOf(target));
        fs.writeAtomically(target, f.content(), false);
      }
      fs.writeAtomically(
          c.attemptDir().resolve(Layout.MANIFEST),
          m.toJson().getBytes(StandardCharsets.UTF_8),
          false);
      return m;
    } catch (IOException | RuntimeException e) {
      String cleanup = undo(stages, c, e);
      if (e instanceof ValidationException v) {
        throw v;
      }
      throw new StoreIoException(
          "run "
              + run.id
              + ": writing stage '"
              + write.stageKey()
              + "' attempt "
              + c.attempt()
              + " to "
              + c.attemptDir()
              + " failed ("
              + e
              + ")"
              + cleanup,
          e);
    }
  }

  private Claim claim(RunLog run, Path stages, StageWrite write) {
    FileLocks.Held held = run.lock();
    try {
      run.requireWholeLocked();
      fs.createDirectories(run.dir, stages);
      if (swept.contains(run.id)) {
        sweepLocked(run, stages, write.stageKey());
      } else if (sweepLocked(run, stages, null)) {
        swept.add(run.id);
      }
      StageSlots slots = StageSlots.of(run.id, write);
      List<StageDir> dirs = stageDirs(stages);
      for (StageDir d : dirs) {
        slots.addStage(d.key(), d.position());
      }
      int position = slots.position();
      Path stageDir =
          dirs.stream()
              .filter(d -> d.key().equals(write.stageKey()) && d.position() == position)
              .map(StageDir::path)
              .findFirst()
              .orElseGet(
                  () ->
                      Layout.resolveRelative(
                          stages, StageManifest.directoryName(position, write.stageKey())));
      for (int a : attempts(stageDir)) {
        slots.add(write.stageKey(), position, a);
      }
      int attempt = slots.attempt();
      SharedFileLocks.Held writing = SharedFileLocks.acquireShared(stageLock(run));
      try {
        boolean newStageDir = fs.createDirectories(stages, stageDir);
        Path attemptDir = Layout.resolveRelative(stageDir, "attempt-" + attempt);
        try {
          Files.createDirectory(attemptDir);
        } catch (FileAlreadyExistsException e) {
          throw new StageExistsException(run.id, write.stageKey(), attempt);
        }
        fs.forceDirectory(stageDir);
        return new Claim(position, attempt, stageDir, attemptDir, newStageDir, writing);
      } catch (IOException | RuntimeException e) {
        writing.close();
        throw e;
      }
    } catch (IOException e) {
      throw new StoreIoException(
          "run "
              + run.id
              + ": preparing stage '"
              + write.stageKey()
              + "' under "
              + stages
              + " failed: "
              + e
              + "; nothing was written",
          e);
    } finally {
      held.close();
    }
  }

  private static Path stageLock(RunLog run) {
    return run.dir.resolve(Layout.STAGE_LOCK);
  }

  /**
   * Sweeps the whole run the first time this instance touches its stages (see the class javadoc). A
   * first look without locks finds nothing to remove in the common case; only then are the run's
   * lock and the sweep needed.
   */
  private void sweepOnFirstTouch(RunLog run) {
    if (swept.contains(run.id)) {
      return;
    }
    Path stages = run.dir.resolve(Layout.STAGES);
    try {
      if (leftovers(stages, null).isEmpty()) {
        swept.add(run.id);
        return;
      }
    } catch (IOException e) {
      // looked at again, and reported, under the lock
    }
    FileLocks.Held held = run.lock();
    try {
      run.requireHereLocked();
      if (sweepLocked(run, stages, null)) {
        swept.add(run.id);
      }
    } catch (IOException e) {
      throw new StoreIoException(
          "run "
              + run.id
              + ": removing incomplete stage attempts under "
              + stages
              + " failed: "
              + e
              + "; complete attempts were not touched",
          e);
    } finally {
      held.close();
    }
  }

  /**
   * Removes the incomplete attempts (no manifest) and the empty stage directories of the run, or of
   * one stage key, when no stage writer of the run is alive. The caller holds the run's lock.
   *
   * @param onlyKey the stage key to sweep, or null for every stage of the run
   * @return true when nothing incomplete is left, false when a live writer kept the sweep off
   */
  private boolean sweepLocked(RunLog run, Path stages, @Nullable String onlyKey)
      throws IOException {
    Leftovers found = leftovers(stages, onlyKey);
    if (found.isEmpty()) {
      return true;
    }
    List<Path> incomplete = found.incomplete();
    SharedFileLocks.Held alone = SharedFileLocks.tryAcquireAlone(stageLock(run));
    if (alone == null) {
      log.debug(
          "run {} - {} incomplete stage attempts left for later: a stage write of the run is in"
              + " progress",
          run.id,
          incomplete.size());
      return false;
    }
    try (alone) {
      for (Path dir : incomplete) {
        long[] sizes = sizeOf(dir);
        DurableFs.deleteTree(dir);
        log.warn(
            "run {} - removed {}: a stage attempt without {} ({} files, {} bytes) whose writer"
                + " stopped",
            run.id,
            dir,
            Layout.MANIFEST,
            sizes[0],
            sizes[1]);
      }
      boolean stageDirRemoved = false;
      for (Path d : found.stageDirs()) {
        boolean removed;
        try {
          removed = Files.deleteIfExists(d);
        } catch (DirectoryNotEmptyException keep) {
          removed = false; // it holds complete attempts (or something not ours): keep it
        }
        if (removed) {
          stageDirRemoved = true;
          log.debug("run {} - removed {}: a stage directory without attempts", run.id, d);
        } else {
          fs.forceDirectory(d);
        }
      }
      if (stageDirRemoved) {
        fs.forceDirectory(stages);
      }
    }
    return true;
  }

  /**
   * What a sweep would remove.
   *
   * @param incomplete attempt directories without manifest
   * @param stageDirs the stage directories holding them, and stage directories without attempts
   */
  private record Leftovers(List<Path> incomplete, List<Path> stageDirs) {
    boolean isEmpty() {
      return stageDirs.isEmpty();
    }
  }

  private static Leftovers leftovers(Path stages, @Nullable String onlyKey) throws IOException {
    List<Path> incomplete = new ArrayList<>();
    List<Path> stageDirs = new ArrayList<>();
    for (StageDir d : stageDirs(stages)) {
      if (onlyKey != null && !d.key().equals(onlyKey)) {
        continue;
      }
      List<Integer> attempts = attempts(d.path());
      boolean found = attempts.isEmpty();
      for (int a : attempts) {
        Path dir = d.path().resolve("attempt-" + a);
        if (!Files.isRegularFile(dir.resolve(Layout.MANIFEST), LinkOption.NOFOLLOW_LINKS)) {
          incomplete.add(dir);
          found = true;
        }
      }
      if (found) {
        stageDirs.add(d.path());
      }
    }
    return new Leftovers(incomplete, stageDirs);
  }

  /**
   * @return the number of regular files below a directory and their total size
   */
  private static long[] sizeOf(Path dir) throws IOException {
    long[] out = new long[2];
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        BasicFileAttributes a = DurableFs.attributesOrNull(p);
        if (a != null && a.isRegularFile()) {
          out[0]++;
          out[1] += a.size();
        }
      }
    }
    return out;
  }

  /** Removes what a failed write left; returns a note for the error message. */
  private String undo(Path stages, Claim c, Exception e) {
    try {
      DurableFs.deleteTree(c.attemptDir());
      boolean stageDirRemoved = false;
      if (c.newStageDir()) {
        try {
          stageDirRemoved = Files.deleteIfExists(c.stageDir());
        } catch (java.nio.file.DirectoryNotEmptyException another) {
          // another attempt of the stage appeared meanwhile: keep the directory
        }
      }
      fs.forceDirectory(stageDirRemoved ? stages : c.stageDir());
      return "; the attempt directory was removed, nothing of it remains";
    } catch (IOException | RuntimeException cleanup) {
      e.addSuppressed(cleanup);
      return "; removing the partial attempt also failed ("
          + cleanup
          + "): delete "
          + c.attemptDir()
          + " by hand";
    }
  }

  private static List<StageDir> stageDirs(Path stages) throws IOException {
    List<StageDir> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(stages)) {
      for (Path p : ds) {
        Matcher m = STAGE_DIR.matcher(p.getFileName().toString());
        if (m.matches() && isDirectory(p)) {
          out.add(new StageDir(Integer.parseInt(m.group(1)), m.group(2), p));
        }
      }
    } catch (NoSuchFileException | NotDirectoryException e) {
      return out;
    }
    return out;
  }

  private static List<Integer> attempts(Path stageDir) throws IOException {
    List<Integer> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(stageDir)) {
      for (Path p : ds) {
        Matcher m = ATTEMPT_DIR.matcher(p.getFileName().toString());
        if (m.matches() && isDirectory(p)) {
          out.add(Integer.parseInt(m.group(1)));
        }
      }
    } catch (NoSuchFileException | NotDirectoryException e) {
      return out;
    }
    return out;
  }

  private static boolean isDirectory(Path p) throws IOException {
    BasicFileAttributes a = DurableFs.attributesOrNull(p);
    return a != null && a.isDirectory();
  }

  List<StageManifest> list(RunLog run) {
    sweepOnFirstTouch(run);
    Path stages = run.dir.resolve(Layout.STAGES);
    List<StageManifest> out = new ArrayList<>();
    try {
      for (StageDir d : stageDirs(stages)) {
        for (int attempt : attempts(d.path())) {
          Path manifest = d.path().resolve("attempt-" + attempt).resolve(Layout.MANIFEST);
          if (Files.isRegularFile(manifest, LinkOption.NOFOLLOW_LINKS)) {
            out.add(readManifest(run.id, d, attempt, manifest));
          }
        }
      }
    } catch (IOException e) {
      throw new StoreIoException(
          "run " + run.id + ": listing stages under " + stages + " failed: " + e, e);
    }
    out.sort(
        Comparator.comparingInt(StageManifest::position).thenComparingInt(StageManifest::attempt));
    return out;
  }

  private static StageManifest readManifest(RunId runId, StageDir d, int attempt, Path manifest)
      throws IOException {
    StageManifest m;
    try {
      m = StageManifest.fromJson(Files.readString(manifest, StandardCharsets.UTF_8));
    } catch (ValidationException
        | IllegalArgumentException
        | java.nio.charset.CharacterCodingException e) {
      throw new StoreCorruptedException(
          manifest
              + " is not a valid stage manifest: "
              + e.getMessage()
              + "; run verifyStage for details or restore the file",
          e);
    }
    if (!m.runId().equals(runId)
        || !m.stageKey().equals(d.key())
        || m.position() != d.position()
        || m.attempt() != attempt) {
      throw new StoreCorruptedException(
          manifest
              + " describes run "
              + m.runId()
              + " stage '"
              + m.stageKey()
              + "' position "
              + m.position()
              + " attempt "
              + m.attempt()
              + " but lies in the directory of run "
              + runId
              + " stage '"
              + d.key()
              + "' position "
              + d.position()
              + " attempt "
              + attempt);
    }
    return m;
  }

  /**
   * @return the attempt directory, whether or not it has a manifest
   */
  private static Path attemptDir(RunLog run, String stageKey, int attempt) throws IOException {
    if (attempt < 1) {
      throw StageIntegrity.noSuchAttempt(run.id, stageKey, attempt);
    }
    for (StageDir d : stageDirs(run.dir.resolve(Layout.STAGES))) {
      if (d.key().equals(stageKey)) {
        Path a = d.path().resolve("attempt-" + attempt);
        if (isDirectory(a)) {
          return a;
        }
      }
    }
    throw StageIntegrity.noSuchAttempt(run.id, stageKey, attempt);
  }

  private static StageDir stageDirOf(Path attemptDir) {
    Path p = DurableFs.parentOf(attemptDir);
    Matcher m = STAGE_DIR.matcher(p.getFileName().toString());
    if (!m.matches()) {
      throw new IllegalStateException(p + " is not a stage directory");
    }
    return new StageDir(Integer.parseInt(m.group(1)), m.group(2), p);
  }

  byte[] readFile(RunLog run, String stageKey, int attempt, String path) {
    sweepOnFirstTouch(run);
    try {
      Path dir = attemptDir(run, stageKey, attempt);
      Path manifestFile = dir.resolve(Layout.MANIFEST);
      if (!Files.isRegularFile(manifestFile, LinkOption.NOFOLLOW_LINKS)) {
        throw new ValidationException(
            "stage",
            "run "
                + run.id
                + " stage '"
                + stageKey
                + "' attempt "
                + attempt
                + " is incomplete (no "
                + Layout.MANIFEST
                + "): it was being written when a"
                + " process stopped");
      }
      StageManifest m = readManifest(run.id, stageDirOf(dir), attempt, manifestFile);
      return StageIntegrity.read(m, path, dir.toString(), p -> open(dir, p));
    } catch (IOException e) {
      throw new StoreIoException(
          "run "
              + run.id
              + ": reading stage '"
              + stageKey
              + "' attempt "
              + attempt
              + " file "
              + path
              + " failed: "
              + e,
          e);
    }
  }

  StageVerification verify(RunLog run, String stageKey, int attempt) {
    sweepOnFirstTouch(run);
    try {
      Path dir = attemptDir(run, stageKey, attempt);
      Path manifestFile = dir.resolve(Layout.MANIFEST);
      StageManifest m;
      if (!Files.isRegularFile(manifestFile, LinkOption.NOFOLLOW_LINKS)) {
        return StageIntegrity.unreadableManifest(
            run.id, stageKey, attempt, "missing: the attempt is incomplete");
      }
      try {
        m = readManifest(run.id, stageDirOf(dir), attempt, manifestFile);
      } catch (StoreCorruptedException e) {
        return StageIntegrity.unreadableManifest(
            run.id, stageKey, attempt, String.valueOf(e.getMessage()));
      }
      List<String> stored = new ArrayList<>();
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path p : (Iterable<Path>) files::iterator) {
          if (!p.equals(dir) && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            stored.add(dir.relativize(p).toString().replace(p.getFileSystem().getSeparator(), "/"));
          }
        }
      }
      return StageIntegrity.verify(m, stored, dir.toString(), p -> open(dir, p));
    } catch (IOException e) {
      throw new StoreIoException(
          "run "
              + run.id
              + ": verifying stage '"
              + stageKey
              + "' attempt "
              + attempt
              + " failed: "
              + e,
          e);
    }
  }

  /**
   * @return the stored file as a stream, or empty when no regular file lies at the path
   */
  private static Optional<InputStream> open(Path attemptDir, String path) throws IOException {
    Path target = Layout.resolveRelative(attemptDir, path);
    BasicFileAttributes a = DurableFs.attributesOrNull(target);
    if (a == null || !a.isRegularFile()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Files.newInputStream(target, LinkOption.NOFOLLOW_LINKS));
    } catch (NoSuchFileException removed) {
      return Optional.empty();
    }
  }
}
