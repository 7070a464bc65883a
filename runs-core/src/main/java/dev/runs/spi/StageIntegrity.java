package dev.runs.spi;

import dev.runs.RunId;
import dev.runs.StageArtifact;
import dev.runs.StageManifest;
import dev.runs.StageVerification;
import dev.runs.StoreCorruptedException;
import dev.runs.StoreIoException;
import dev.runs.ValidationException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Checks stored stage files against their manifest, the same way in every store: an engine finds
 * the manifest and gives access to the stored bytes; this class decides what is missing, has
 * another size or another sha256, and phrases the errors. {@link StorageEngine#readStageFile} and
 * {@link StorageEngine#verifyStage} are meant to be a lookup plus one call here.
 *
 * <p>Stateless and thread-safe. Each call reads the files it checks once, in bounded memory (except
 * the bytes {@link #read} returns).
 */
public final class StageIntegrity {
  /** The name of the manifest file of an attempt, as problems about the manifest report it. */
  public static final String MANIFEST = "manifest.json";

  private static final int MAX_FILE_BYTES = Integer.MAX_VALUE - 8;

  private StageIntegrity() {}

  /**
   * Byte access to the stored files of one stage attempt.
   *
   * <p>Called on the thread that called {@link #read} or {@link #verify}, once per listed file; the
   * stream returned is read to its end and closed by the caller.
   */
  @FunctionalInterface
  public interface Source {
    /**
     * Opens a stored file.
     *
     * @param path relative path as listed in the manifest, e.g. {@code artifacts/report.html};
     *     already checked with {@link #checkPath}
     * @return its content, or empty when nothing is stored under the path
     * @throws IOException when the medium fails; reported as {@link StoreIoException}
     */
    Optional<InputStream> open(String path) throws IOException;

    /**
     * A source over contents already in memory, for engines that fetch them in one query.
     *
     * @param files content by relative path; not copied, must not change while in use
     * @return the source
     */
    static Source of(Map<String, byte[]> files) {
      Objects.requireNonNull(files, "files");
      return path -> Optional.ofNullable(files.get(path)).map(ByteArrayInputStream::new);
    }
  }

  /**
   * Reads one file of an attempt, checking it against its manifest entry.
   *
   * @param manifest the attempt's manifest
   * @param path relative path requested, e.g. {@code output.json}
   * @param where the store and place for error messages, e.g. {@code "sqlite store 'runs.db'"}
   * @param source access to the stored bytes
   * @return the content, whose size and sha256 match the manifest
   * @throws ValidationException when the manifest lists no such file
   * @throws StoreCorruptedException when the file is missing or differs from the manifest; the
   *     message names the run, stage, attempt and path and says "missing", the sizes in "bytes", or
   *     both sha256 values
   * @throws StoreIoException when the source fails
   */
  public static byte[] read(StageManifest manifest, String path, String where, Source source) {
    Objects.requireNonNull(manifest, "manifest");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(where, "where");
    Objects.requireNonNull(source, "source");
    StageManifest.Entry entry =
        manifest
            .file(path)
            .orElseThrow(
                () ->
                    new ValidationException(
                        "path",
                        "stage '"
                            + manifest.stageKey()
                            + "' attempt "
                            + manifest.attempt()
                            + " of run "
                            + manifest.runId()
                            + " has no file '"
                            + path
                            + "'"));
    String context =
        where
            + ": run "
            + manifest.runId()
            + " stage '"
            + manifest.stageKey()
            + "' attempt "
            + manifest.attempt()
            + ": "
            + path;
    Measured m;
    try {
      Optional<InputStream> in = source.open(path);
      if (in.isEmpty()) {
        throw new StoreCorruptedException(context + " is listed in the manifest but missing");
      }
      m = measure(in.get(), entry.size());
    } catch (IOException e) {
      throw new StoreIoException(context + ": reading failed: " + e, e);
    }
    if (m.size() != entry.size()) {
      throw new StoreCorruptedException(
          context + " has " + m.size() + " bytes but the manifest says " + entry.size());
    }
    if (!m.sha256().equals(entry.sha256())) {
      throw new StoreCorruptedException(
          context + " has sha256 " + m.sha256() + " but the manifest says " + entry.sha256());
    }
    byte[] content = m.content();
    if (content == null) {
      throw new IllegalStateException(context + ": measured without keeping the bytes");
    }
    return content;
  }

  /**
   * Re-hashes every file of an attempt against its manifest and lists what differs: a listed file
   * not stored ({@link StageVerification.Kind#MISSING}), stored with another size ({@code
   * SIZE_MISMATCH}) or another sha256 ({@code HASH_MISMATCH}), a stored file not listed ({@code
   * UNLISTED}), and a listed path that is not a stage file path ({@code MANIFEST_UNREADABLE}, not
   * opened).
   *
   * @param manifest the attempt's manifest
   * @param storedPaths every relative path stored for the attempt, except the manifest itself
   * @param where the store and place for error messages
   * @param source access to the stored bytes
   * @return the verification; problems in manifest order, then unlisted files by path
   * @throws StoreIoException when the source fails
   */
  public static StageVerification verify(
      StageManifest manifest, Collection<String> storedPaths, String where, Source source) {
    Objects.requireNonNull(manifest, "manifest");
    Objects.requireNonNull(storedPaths, "storedPaths");
    Objects.requireNonNull(where, "where");
    Objects.requireNonNull(source, "source");
    List<StageVerification.Problem> problems = new ArrayList<>();
    Set<String> listed = new HashSet<>();
    for (StageManifest.Entry e : manifest.files()) {
      listed.add(e.path());
      try {
        checkPath(e.path());
      } catch (ValidationException unsafe) {
        problems.add(
            new StageVerification.Problem(
                e.path(),
                StageVerification.Kind.MANIFEST_UNREADABLE,
                "the manifest lists an unsafe path: " + unsafe.getMessage()));
        continue;
      }
      Measured m;
      try {
        Optional<InputStream> in = source.open(e.path());
        if (in.isEmpty()) {
          problems.add(
              new StageVerification.Problem(
                  e.path(),
                  StageVerification.Kind.MISSING,
                  "listed in the manifest with " + e.size() + " bytes, not stored"));
          continue;
        }
        m = measure(in.get(), -1);
      } catch (IOException io) {
        throw new StoreIoException(
            where
                + ": run "
                + manifest.runId()
                + ": verifying stage '"
                + manifest.stageKey()
                + "' attempt "
                + manifest.attempt()
                + " failed reading "
                + e.path()
                + ": "
                + io,
            io);
      }
      if (m.size() != e.size()) {
        problems.add(
            new StageVerification.Problem(
                e.path(),
                StageVerification.Kind.SIZE_MISMATCH,
                "manifest says " + e.size() + " bytes, found " + m.size()));
      } else if (!m.sha256().equals(e.sha256())) {
        problems.add(
            new StageVerification.Problem(
                e.path(),
                StageVerification.Kind.HASH_MISMATCH,
                "manifest says sha256 " + e.sha256() + ", found " + m.sha256()));
      }
    }
    for (String path : new TreeSet<>(storedPaths)) {
      if (!listed.contains(path) && !path.equals(MANIFEST)) {
        problems.add(
            new StageVerification.Problem(
                path, StageVerification.Kind.UNLISTED, "stored but not listed in the manifest"));
      }
    }
    return new StageVerification(
        manifest.runId(), manifest.stageKey(), manifest.attempt(), problems);
  }

  /**
   * The verification of an attempt whose manifest is missing or cannot be decoded.
   *
   * @param runId the run
   * @param stageKey the stage
   * @param attempt the attempt
   * @param detail what is wrong with the manifest
   * @return a verification with one {@link StageVerification.Kind#MANIFEST_UNREADABLE} problem
   */
  public static StageVerification unreadableManifest(
      RunId runId, String stageKey, int attempt, String detail) {
    Objects.requireNonNull(detail, "detail");
    return new StageVerification(
        runId,
        stageKey,
        attempt,
        List.of(
            new StageVerification.Problem(
                MANIFEST, StageVerification.Kind.MANIFEST_UNREADABLE, detail)));
  }

  /**
   * The error for a stage attempt that does not exist (or, in stores that show it, has no manifest
   * yet).
   *
   * @param runId the run
   * @param stageKey the stage
   * @param attempt the attempt
   * @return the exception to throw
   */
  public static ValidationException noSuchAttempt(RunId runId, String stageKey, int attempt) {
    return new ValidationException(
        "stage", "run " + runId + " has no stage '" + stageKey + "' attempt " + attempt);
  }

  /**
   * Checks the relative path of a stage file: {@code input.json}, {@code output.json} or {@code
   * artifacts/<name>} with a valid {@linkplain StageArtifact#checkName artifact name}. Such a path
   * never leaves its attempt's directory.
   *
   * @param path the path
   * @throws ValidationException naming the path when it is anything else
   */
  public static void checkPath(String path) {
    Objects.requireNonNull(path, "path");
    if (path.equals("input.json") || path.equals("output.json")) {
      return;
    }
    if (!path.startsWith("artifacts/")) {
      throw new ValidationException(
          "path", "'" + path + "' must be input.json, output.json or artifacts/<name>");
    }
    StageArtifact.checkName(path.substring("artifacts/".length()));
  }

  // a private result carrier, never compared
  @SuppressWarnings("ArrayRecordComponent")
  private record Measured(long size, String sha256, byte @Nullable [] content) {}

  /**
   * Reads a stream to its end, counting and hashing; keeps the bytes when {@code keep >= 0}, at
   * most {@code keep} of them (more means a size mismatch, whose bytes are not needed).
   */
  private static Measured measure(InputStream in, long keep) throws IOException {
    try (InputStream stream = in) {
      MessageDigest digest = Sha256.newDigest();
      ByteArrayOutputStream kept =
          keep >= 0 ? new ByteArrayOutputStream((int) Math.min(keep, 1 << 16)) : null;
      long limit = Math.min(keep, MAX_FILE_BYTES);
      byte[] buffer = new byte[64 * 1024];
      long size = 0;
      for (int n; (n = stream.read(buffer)) >= 0; ) {
        digest.update(buffer, 0, n);
        if (kept != null && size < limit) {
          kept.write(buffer, 0, (int) Math.min(n, limit - size));
        }
        size += n;
      }
      return new Measured(size, Sha256.hex(digest), kept == null ? null : kept.toByteArray());
    }
  }
}
