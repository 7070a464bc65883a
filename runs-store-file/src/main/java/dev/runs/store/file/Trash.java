package dev.runs.store.file;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's {@code .trash} directory. What a deletion or an archiving removes is first renamed
 * into it, which is atomic and durable once both directories are forced (the commit of the
 * removal), and then deleted, which may take long and may be cut short by a crash: whatever is left
 * is deleted by the sweep when a store is next opened. Thread-safe.
 */
final class Trash {
  private static final Logger log = LoggerFactory.getLogger(Trash.class);

  private final Path dir;
  private final DurableFs fs;

  Trash(Path dir, DurableFs fs) {
    this.dir = dir;
    this.fs = fs;
  }

  /**
   * Renames a file or directory into the trash and forces both directories.
   *
   * @param p what to remove
   * @return its name in the trash, for {@link #empty}
   */
  Path moveIn(Path p) throws IOException {
    Path target =
        dir.resolve(Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE));
    try {
      DurableFs.moveAtomically(p, target);
    } catch (NoSuchFileException e) {
      if (DurableFs.attributesOrNull(dir) != null || DurableFs.attributesOrNull(p) == null) {
        throw e;
      }
      fs.createDirectories(DurableFs.parentOf(dir), dir); // removed by hand: make it again
      DurableFs.moveAtomically(p, target);
    }
    fs.forceDirectory(DurableFs.parentOf(p));
    fs.forceDirectory(dir);
    return target;
  }

  /**
   * Deletes an entry of the trash; a failure is logged, and the sweep at the next open retries.
   *
   * @param entry what {@link #moveIn} returned
   */
  void empty(Path entry) {
    try {
      DurableFs.deleteTree(entry);
    } catch (IOException | RuntimeException e) {
      log.warn(
          "cannot delete {} ({}); it is deleted when the store is next opened",
          entry,
          e.toString());
    }
  }

  /**
   * @return the entries in the trash
   */
  List<Path> entries() throws IOException {
    return DurableFs.list(dir);
  }
}
