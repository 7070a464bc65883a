package dev.runs.internal.archive;

import dev.runs.ArchiveStore;
import dev.runs.ArchiveUnavailableException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * The {@code dir:} archive: one file per key under a root directory. A put writes a temporary file
 * beside the target, forces it, renames it over the target and forces the directory, so a reader or
 * a crash sees the old object or the whole new one. Thread-safe: puts to one key race to the last
 * rename, and each is whole.
 */
public final class DirArchiveStore implements ArchiveStore {
  private static final String TEMP_MARK = ".part-";

  private final Path root;
  private final String location;
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * @param root the directory (created when missing)
   * @param location the URI for messages
   */
  public DirArchiveStore(Path root, String location) {
    this.root = root.toAbsolutePath().normalize();
    this.location = location;
    try {
      Files.createDirectories(this.root);
    } catch (IOException e) {
      throw failure("cannot create the archive directory " + this.root, e);
    }
  }

  private Path resolve(String key) {
    checkOpen();
    ArchiveStore.checkKey(key);
    return root.resolve(key);
  }

  @Override
  public void put(String key, Path file) {
    Path target = resolve(key);
    writeAtomically(key, target, tmp -> Files.copy(file, tmp, StandardCopyOption.REPLACE_EXISTING));
  }

  @Override
  public void put(String key, byte[] bytes) {
    Path target = resolve(key);
    writeAtomically(key, target, tmp -> Files.write(tmp, bytes));
  }

  private interface Writer {
    void write(Path tmp) throws IOException;
  }

  private void writeAtomically(String key, Path target, Writer writer) {
    Path parent = java.util.Objects.requireNonNull(target.getParent(), "parent");
    Path tmp = parent.resolve(target.getFileName() + TEMP_MARK + UUID.randomUUID());
    try {
      for (int attempt = 1; ; attempt++) {
        Files.createDirectories(parent);
        try {
          writer.write(tmp);
          break;
        } catch (NoSuchFileException pruned) {
          if (attempt == 3) {
            throw pruned;
          }
          // a delete pruned the directory just created, as it was empty: create it again
        }
      }
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
      forceDirectory(parent);
    } catch (IOException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw failure("cannot write " + key, e);
    }
  }

  private static void forceDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // some platforms cannot open directories; the rename is still atomic there
    }
  }

  @Override
  public Optional<InputStream> open(String key) {
    Path target = resolve(key);
    if (Files.isDirectory(target)) {
      return Optional.empty(); // keys under it exist, but no object has this key
    }
    try {
      return Optional.of(Files.newInputStream(target));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw failure("cannot read " + key, e);
    }
  }

  @Override
  public List<String> list(String prefix) {
    checkOpen();
    if (!prefix.isEmpty()) {
      ArchiveStore.checkKey(
          prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix);
    }
    Path start = prefix.isEmpty() ? root : root.resolve(prefix);
    if (!Files.isDirectory(start)) {
      return List.of();
    }
    List<String> keys = new ArrayList<>();
    try (Stream<Path> files = Files.walk(start)) {
      files
          .filter(Files::isRegularFile)
          .map(p -> root.relativize(p).toString().replace('\\', '/'))
          .filter(k -> !k.contains(TEMP_MARK))
          .filter(k -> k.startsWith(prefix))
          .forEach(keys::add);
    } catch (IOException | UncheckedIOException e) {
      throw failure("cannot list " + prefix, e);
    }
    keys.sort(null);
    return keys;
  }

  @Override
  public void delete(String key) {
    Path target = resolve(key);
    try {
      Files.deleteIfExists(target);
    } catch (IOException e) {
      throw failure("cannot delete " + key, e);
    }
    pruneEmptyParents(target);
  }

  /**
   * Removes the directories above a deleted object that it left empty, up to (not including) the
   * root, so deleting a run's objects leaves no empty directories behind. A directory another
   * object or a writer's temporary file still holds is not empty and stays; a writer that loses its
   * directory to this between creating and using it creates it again ({@link #writeAtomically}).
   */
  private void pruneEmptyParents(Path deleted) {
    for (Path dir = deleted.getParent();
        dir != null && !dir.equals(root) && dir.startsWith(root);
        dir = dir.getParent()) {
      try {
        Files.delete(dir);
      } catch (NoSuchFileException gone) {
        // removed by another delete meanwhile: go on with its parent
      } catch (IOException notEmptyOrBusy) {
        return; // DirectoryNotEmptyException, or anything else: leave it
      }
    }
  }

  @Override
  public String location() {
    return location;
  }

  @Override
  public void close() {
    closed.set(true);
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("archive " + location + " is closed");
    }
  }

  @Override
  public String toString() {
    return "ArchiveStore[" + location + "]";
  }

  private ArchiveUnavailableException failure(String what, Exception e) {
    return new ArchiveUnavailableException("archive " + location + ": " + what + " (" + e + ")", e);
  }
}
