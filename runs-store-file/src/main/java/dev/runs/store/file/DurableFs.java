package dev.runs.store.file;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's file primitives, all durable at {@code durability=fsync}: whole files are written as
 * temporary file, write, force, atomic rename, force of the directory; directories are created one
 * level at a time with the parent forced after each; nothing is written through a symbolic link.
 */
final class DurableFs {
  private static final Logger log = LoggerFactory.getLogger(DurableFs.class);

  /** Suffix of temporary files; none survives a write that returned, successful or not. */
  static final String TMP_SUFFIX = ".tmp";

  private static final AtomicBoolean DIRECTORY_FORCE_WARNED = new AtomicBoolean();

  private final ChannelOpener opener;
  private final boolean fsync;

  DurableFs(ChannelOpener opener, boolean fsync) {
    this.opener = opener;
    this.fsync = fsync;
  }

  boolean fsync() {
    return fsync;
  }

  /** Opens a file for positional writes, never following a symbolic link. */
  FileChannel openWriter(Path file) throws IOException {
    return opener.open(file, Set.of(StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS));
  }

  /** Opens a file for positional reads and writes, never following a symbolic link. */
  FileChannel openReadWriter(Path file) throws IOException {
    return opener.open(
        file, Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS));
  }

  /** Opens a file for appending, creating it, never following a symbolic link. */
  FileChannel openAppender(Path file) throws IOException {
    return opener.open(
        file,
        Set.of(
            StandardOpenOption.WRITE,
            StandardOpenOption.CREATE,
            StandardOpenOption.APPEND,
            LinkOption.NOFOLLOW_LINKS));
  }

  /** Creates a new file that must not exist, never following a symbolic link. */
  FileChannel createNew(Path file) throws IOException {
    return opener.open(
        file,
        Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW, LinkOption.NOFOLLOW_LINKS));
  }

  /** Forces a file's data (and the metadata needed to read it) when durability is fsync. */
  void force(FileChannel channel) throws IOException {
    if (fsync) {
      channel.force(false);
    }
  }

  /**
   * Forces a directory so that entries created, renamed or removed in it survive a crash. A
   * platform that cannot open a directory (Windows) is tolerated with one warning; a force that
   * fails on an opened directory is an I/O error.
   */
  void forceDirectory(Path dir) throws IOException {
    if (!fsync) {
      return;
    }
    FileChannel ch;
    try {
      ch = opener.open(dir, Set.of(StandardOpenOption.READ));
    } catch (IOException | UnsupportedOperationException e) {
      if (DIRECTORY_FORCE_WARNED.compareAndSet(false, true)) {
        log.warn(
            "cannot open directory {} to force it ({}); new and renamed files rely on the file"
                + " system's own ordering on this platform (further cases are logged at debug)",
            dir,
            e.toString());
      } else {
        log.debug("cannot open directory {} to force it", dir, e);
      }
      return;
    }
    try (ch) {
      ch.force(true);
    }
  }

  /**
   * Writes a whole file atomically: a temporary file in the same directory is written and forced,
   * renamed over the target, and the directory is forced. On failure the temporary file is removed
   * and the target is untouched.
   *
   * @param target the file
   * @param content its bytes
   * @param replace whether an existing target may be replaced; when false the caller holds a lock
   *     that keeps others from creating it meanwhile
   * @throws FileAlreadyExistsException when the target exists and {@code replace} is false
   */
  void writeAtomically(Path target, byte[] content, boolean replace) throws IOException {
    Path dir = parentOf(target);
    Path tmp =
        dir.resolve(
            "."
                + target.getFileName()
                + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE)
                + TMP_SUFFIX);
    boolean moved = false;
    try {
      try (FileChannel ch = createNew(tmp)) {
        writeFully(ch, ByteBuffer.wrap(content), 0);
        if (fsync) {
          ch.force(true);
        }
      }
      if (!replace && Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
        throw new FileAlreadyExistsException(target.toString());
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("the file system of " + dir + " cannot rename atomically", e);
      }
      moved = true;
      forceDirectory(dir);
    } catch (IOException | RuntimeException e) {
      if (!moved) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException cleanup) {
          e.addSuppressed(cleanup);
        }
      }
      throw e;
    }
  }

  /**
   * Creates {@code dir} and any missing parents below {@code base}, forcing each parent after a
   * child appears in it. Refuses symbolic links and non-directories on the way, so nothing created
   * below {@code base} can lie outside it.
   *
   * @param base an existing directory
   * @param dir a directory at or below it
   * @return true when {@code dir} itself was created
   */
  boolean createDirectories(Path base, Path dir) throws IOException {
    if (!dir.startsWith(base)) {
      throw new IOException(dir + " is not inside " + base);
    }
    Path current = base;
    boolean created = false;
    for (Path segment : base.relativize(dir)) {
      if (segment.toString().isEmpty()) {
        continue;
      }
      Path next = current.resolve(segment);
      BasicFileAttributes a = attributesOrNull(next);
      if (a == null) {
        try {
          Files.createDirectory(next);
          created = true;
          forceDirectory(current);
        } catch (FileAlreadyExistsException raced) {
          created = false;
          a = attributesOrNull(next);
          checkDirectory(next, a);
        }
      } else {
        checkDirectory(next, a);
        created = false;
      }
      current = next;
    }
    return created;
  }

  private static void checkDirectory(Path p, @Nullable BasicFileAttributes a) throws IOException {
    if (a == null || a.isSymbolicLink()) {
      throw new IOException(p + " is a symbolic link; the file store never writes through links");
    }
    if (!a.isDirectory()) {
      throw new IOException(p + " exists but is not a directory");
    }
  }

  /**
   * @param p a path in the store
   * @return its parent directory
   * @throws IllegalArgumentException when it has none (a path in the store always has one)
   */
  static Path parentOf(Path p) {
    Path parent = p.getParent();
    if (parent == null) {
      throw new IllegalArgumentException(p + " has no parent directory");
    }
    return parent;
  }

  static @Nullable BasicFileAttributes attributesOrNull(Path p) throws IOException {
    try {
      return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /**
   * Renames a file or directory atomically; a directory is never put over a non-empty one. The
   * caller forces the directories involved.
   *
   * @param source what to rename
   * @param target its new name, which must not exist (or be an empty directory)
   */
  static void moveAtomically(Path source, Path target) throws IOException {
    try {
      Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException(
          "the file system cannot rename " + source + " to " + target + " atomically", e);
    }
  }

  /**
   * Removes a directory tree without following links; missing entries are fine, so two removers of
   * one tree do not fail each other.
   */
  static void deleteTree(Path root) throws IOException {
    if (attributesOrNull(root) == null) {
      return;
    }
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.deleteIfExists(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
            if (exc instanceof NoSuchFileException) {
              return FileVisitResult.CONTINUE;
            }
            throw exc;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
            if (exc != null && !(exc instanceof NoSuchFileException)) {
              throw exc;
            }
            try {
              Files.deleteIfExists(d);
            } catch (DirectoryNotEmptyException e) {
              throw new IOException(
                  "could not remove " + d + ": something was added to it meanwhile", e);
            }
            return FileVisitResult.CONTINUE;
          }
        });
  }

  /**
   * @param dir a directory
   * @return its entries, none when it does not exist
   */
  static List<Path> list(Path dir) throws IOException {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        out.add(p);
      }
    } catch (NoSuchFileException e) {
      return out;
    }
    return out;
  }

  /**
   * Most bytes of a heap buffer one write passes to the channel. The JDK copies a heap buffer into
   * a temporary direct buffer as large as the write and keeps it for the thread's next write; a
   * log's commits run on many threads (the callers', the core's commit threads), so without a bound
   * each would keep a direct buffer as large as the largest batch it ever wrote (1.2 MB for 1,000
   * events), enough to exhaust a small heap's direct memory.
   */
  static final int WRITE_SLICE = 256 * 1024;

  /**
   * Writes every remaining byte of {@code buf} at {@code position}, a heap buffer in slices of at
   * most {@link #WRITE_SLICE} bytes.
   */
  static void writeFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
    long at = position;
    int end = buf.limit();
    try {
      while (buf.position() < end) {
        buf.limit(buf.isDirect() ? end : Math.min(end, buf.position() + WRITE_SLICE));
        at += ch.write(buf, at);
      }
    } finally {
      buf.limit(end);
    }
  }
}
