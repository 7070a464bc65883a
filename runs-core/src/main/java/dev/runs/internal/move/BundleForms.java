package dev.runs.internal.move;

import dev.runs.BundleFormatException;
import dev.runs.ImportResult;
import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.StageManifest;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * The directory and zip forms of a {@code runs.bundle/1} bundle, for runs with large stage files:
 * {@code bundle.ndjson} holds the header and the event lines of the one-file form, and one line per
 * stage file that names the file beside it ({@code "file":"files/<stage key>/<attempt>/<path>"})
 * instead of carrying its bytes; the files themselves are under {@code files/}. A zip holds the
 * same entries.
 *
 * <p>Never base64: export writes each stage file as the store hands it over (one whole file at a
 * time, the store API's unit), and import copies each one stream to stream, its sha256 computed on
 * the way. Import first lists what the directory or zip holds against the header's manifests (a
 * missing file, a file no manifest lists, or, in a zip, an entry name that would leave the
 * directory is refused), then runs the one-file import on the lines, which copies every file into a
 * private temporary directory and checks its size and sha256 before anything is written.
 */
public final class BundleForms {
  private static final int BUFFER = 1 << 16;

  private BundleForms() {}

  // ---- export
  // ------------------------------------------------------------------------------------

  /**
   * Writes a run's bundle as a directory, atomically: the lines and files are written into a
   * temporary sibling directory, each file forced, which is then renamed to {@code target}.
   *
   * @param store the store
   * @param id the run
   * @param target the directory; must not exist, or be empty
   * @return what was written
   */
  public static Bundles.Exported exportDirectory(RunStore store, RunId id, Path target)
      throws IOException {
    Path parent = target.toAbsolutePath().getParent();
    Path part = Files.createTempDirectory(parent, ".runs-bundle-");
    try {
      Bundles.Lines lines;
      try (FileChannel ch = create(part.resolve(Bundles.LINES))) {
        lines = Bundles.exportLines(store, id, ch, true);
        ch.force(true);
      }
      long bytes = lines.exported().bytes();
      for (StageManifest m : lines.stages()) {
        for (StageManifest.Entry f : m.files()) {
          Path file = part.resolve(Bundles.besideName(m, f.path()));
          Files.createDirectories(file.getParent());
          try (FileChannel ch = create(file)) {
            byte[] content = store.readStageFile(id, m.stageKey(), m.attempt(), f.path());
            Channels.newOutputStream(ch).write(content);
            ch.force(true);
            bytes += content.length;
          }
        }
      }
      Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
      Bundles.Exported e = lines.exported();
      return new Bundles.Exported(e.runId(), e.eventCount(), e.eventsSha256(), bytes);
    } finally {
      Bundles.deleteTree(part);
    }
  }

  private static FileChannel create(Path file) throws IOException {
    return FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
  }

  /**
   * Writes a run's bundle as a zip, atomically like the one-file form: {@code bundle.ndjson} first,
   * then the stage files in manifest order, deflated.
   *
   * @param store the store
   * @param id the run
   * @param target the zip file (replaced when it exists)
   * @return what was written
   */
  public static Bundles.Exported exportZip(RunStore store, RunId id, Path target)
      throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Path part = Files.createTempFile(dir, ".runs-bundle-", ".part");
    try {
      Bundles.Lines lines;
      try (FileChannel ch = FileChannel.open(part, StandardOpenOption.WRITE)) {
        ZipOutputStream zip =
            new ZipOutputStream(new BufferedOutputStream(Channels.newOutputStream(ch), BUFFER));
        zip.putNextEntry(new ZipEntry(Bundles.LINES));
        lines = Bundles.exportLines(store, id, new Unclosed(zip), true);
        zip.closeEntry();
        for (StageManifest m : lines.stages()) {
          for (StageManifest.Entry f : m.files()) {
            zip.putNextEntry(new ZipEntry(Bundles.besideName(m, f.path())));
            zip.write(store.readStageFile(id, m.stageKey(), m.attempt(), f.path()));
            zip.closeEntry();
          }
        }
        zip.finish();
        zip.flush();
        ch.force(true);
      }
      Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      Bundles.Exported e = lines.exported();
      return new Bundles.Exported(e.runId(), e.eventCount(), e.eventsSha256(), Files.size(target));
    } finally {
      Files.deleteIfExists(part);
    }
  }

  /** A stream whose close does not close the zip it writes into. */
  private static final class Unclosed extends FilterOutputStream {
    Unclosed(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }

  // ---- import
  // ------------------------------------------------------------------------------------

  /**
   * Imports a bundle in any form, told apart by content: a directory, a file starting with a zip's
   * magic bytes, or else the one-file form.
   *
   * @param store the target
   * @param path the bundle
   * @param force import even when the id was deleted
   * @return what happened
   */
  public static ImportResult importAny(RunStore store, Path path, boolean force)
      throws IOException {
    String source = path.toString();
    if (Files.isDirectory(path)) {
      return importDirectory(store, path, source, force);
    }
    if (isZip(path)) {
      return importZip(store, path, source, force);
    }
    return Bundles.importFile(store, path, source, force);
  }

  /**
   * @param file a file
   * @return true when it starts like a zip (a local file header, or the end record of an empty zip)
   */
  static boolean isZip(Path file) throws IOException {
    byte[] magic = new byte[4];
    int n = 0;
    try (InputStream in = Files.newInputStream(file)) {
      while (n < 4) {
        int r = in.read(magic, n, 4 - n);
        if (r < 0) {
          return false;
        }
        n += r;
      }
    }
    return magic[0] == 'P' && magic[1] == 'K' && (magic[2] == 3 || magic[2] == 5);
  }

  private static ImportResult importDirectory(
      RunStore store, Path dir, String source, boolean force) throws IOException {
    Path lines = dir.resolve(Bundles.LINES);
    if (!Files.isRegularFile(lines, LinkOption.NOFOLLOW_LINKS)) {
      throw new BundleFormatException(
          source, 0, "the directory holds no " + Bundles.LINES + " (is it a bundle?)", null);
    }
    Bundles.Header header = header(lines, source);
    List<String> present = new ArrayList<>();
    Files.walkFileTree(
        dir,
        new java.nio.file.SimpleFileVisitor<>() {
          @Override
          public java.nio.file.FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
            String name = relative(dir, file);
            if (!attrs.isRegularFile()) {
              throw new BundleFormatException(
                  source, 0, name + " is not a regular file (a link?); refused", null);
            }
            present.add(name);
            return java.nio.file.FileVisitResult.CONTINUE;
          }
        });
    checkListing(source, header, present);
    return Bundles.importFile(
        store,
        lines,
        source,
        force,
        name -> Files.newInputStream(dir.resolve(name), LinkOption.NOFOLLOW_LINKS));
  }

  private static String relative(Path dir, Path file) {
    StringBuilder b = new StringBuilder();
    for (Path segment : dir.relativize(file)) {
      if (b.length() > 0) {
        b.append('/');
      }
      b.append(segment);
    }
    return b.toString();
  }

  private static ImportResult importZip(RunStore store, Path file, String source, boolean force)
      throws IOException {
    ZipFile zip;
    try {
      zip = new ZipFile(file.toFile());
    } catch (ZipException e) {
      throw new BundleFormatException(source, 0, "not a readable zip: " + e.getMessage(), e);
    }
    Path lines = Files.createTempFile("runs-bundle-lines-", ".ndjson");
    try (zip) {
      List<String> present = new ArrayList<>();
      Set<String> seen = new HashSet<>();
      for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
        String name = en.nextElement().getName();
        checkEntryName(source, name);
        if (!seen.add(name)) {
          throw new BundleFormatException(
              source, 0, "zip entry " + name + " appears twice; refused", null);
        }
        if (!name.endsWith("/")) {
          present.add(name);
        }
      }
      ZipEntry linesEntry = zip.getEntry(Bundles.LINES);
      if (linesEntry == null || linesEntry.isDirectory()) {
        throw new BundleFormatException(
            source, 0, "the zip holds no " + Bundles.LINES + " entry (is it a bundle?)", null);
      }
      try (InputStream in = zip.getInputStream(linesEntry)) {
        Files.copy(in, lines, StandardCopyOption.REPLACE_EXISTING);
      }
      Bundles.Header header = header(lines, source);
      checkListing(source, header, present);
      return Bundles.importFile(
          store,
          lines,
          source,
          force,
          name -> {
            ZipEntry e = zip.getEntry(name);
            if (e == null || e.isDirectory()) {
              throw new BundleFormatException(source, 0, "zip entry " + name + " is missing", null);
            }
            return zip.getInputStream(e);
          });
    } finally {
      Files.deleteIfExists(lines);
    }
  }

  /**
   * Refuses an entry name that would leave the directory it is unpacked into (zip-slip), though
   * import never unpacks entries by their names: absolute, with a drive letter or backslash, or
   * with an empty, {@code .} or {@code ..} segment.
   */
  static void checkEntryName(String source, String name) {
    String body = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
    boolean bad =
        body.isEmpty()
            || body.startsWith("/")
            || body.indexOf('\\') >= 0
            || body.indexOf(':') >= 0
            || body.indexOf('\0') >= 0;
    if (!bad) {
      for (String segment : body.split("/", -1)) {
        if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
          bad = true;
          break;
        }
      }
    }
    if (bad) {
      throw new BundleFormatException(
          source,
          0,
          "zip entry '"
              + name
              + "' is absolute or leaves the bundle (a '..', '.' or empty segment, a drive or a"
              + " backslash); refused",
          null);
    }
  }

  private static Bundles.Header header(Path lines, String source) throws IOException {
    try (LineInput in = new LineInput(Files.newInputStream(lines), EventLines.MAX_LINE)) {
      return Bundles.header(in, source);
    }
  }

  /**
   * Compares the files a directory or zip holds with the header's manifests: every listed file must
   * be there, and nothing else but the lines.
   */
  private static void checkListing(String source, Bundles.Header header, List<String> present) {
    Set<String> expected = new TreeSet<>();
    for (StageManifest m : header.stages()) {
      for (StageManifest.Entry f : m.files()) {
        expected.add(Bundles.besideName(m, f.path()));
      }
    }
    Set<String> missing = new TreeSet<>(expected);
    for (String name : present) {
      if (name.equals(Bundles.LINES)) {
        continue;
      }
      if (!missing.remove(name)) {
        throw new BundleFormatException(
            source,
            0,
            "file "
                + name
                + " is not a stage file of any manifest in the header (an extra or misplaced"
                + " file); refused",
            null);
      }
    }
    if (!missing.isEmpty()) {
      throw new BundleFormatException(
          source, 0, "stage file " + missing.iterator().next() + " is missing", null);
    }
  }
}
