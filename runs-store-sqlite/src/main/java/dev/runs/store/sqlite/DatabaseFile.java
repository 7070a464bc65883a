package dev.runs.store.sqlite;

import dev.runs.StoreConfigurationException;
import dev.runs.StoreIoException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Checks a database path before SQLite touches it, so that a wrong path gets a clear error and
 * nothing on disk changes: the directory must exist and be writable (SQLite creates {@code -wal}
 * and {@code -shm} files next to the database), and an existing file must start with the SQLite
 * header. A missing file is created empty here, so that SQLite itself is never asked to create one.
 */
final class DatabaseFile {
  /** The first 16 bytes of every SQLite 3 database file. */
  static final byte[] HEADER = "SQLite format 3\u0000".getBytes(StandardCharsets.US_ASCII);

  private DatabaseFile() {}

  /**
   * @param file absolute path of the database file
   * @param where the redacted URI, for messages
   * @return true when this call created the (empty) file
   * @throws StoreConfigurationException when the path cannot be a database of this store
   */
  static boolean prepare(Path file, String where) {
    Path dir = file.getParent();
    if (dir == null) {
      throw new StoreConfigurationException(prefix(where) + file + " has no parent directory");
    }
    if (!Files.exists(dir)) {
      Path existing = dir.getParent();
      while (existing != null && !Files.exists(existing)) {
        existing = existing.getParent();
      }
      if (existing != null && !Files.isDirectory(existing)) {
        throw new StoreConfigurationException(
            prefix(where)
                + "directory "
                + dir
                + " cannot exist: "
                + existing
                + " is a file, not a directory; choose another path");
      }
      throw new StoreConfigurationException(
          prefix(where)
              + "directory "
              + dir
              + " does not exist; create it first (the store does not create directories)");
    }
    if (!Files.isDirectory(dir)) {
      throw new StoreConfigurationException(
          prefix(where)
              + dir
              + " is a file, not a directory; choose another path for the database");
    }
    if (Files.isDirectory(file)) {
      throw new StoreConfigurationException(
          prefix(where)
              + file
              + " is a directory, not a database file; name a file such as "
              + file.resolve("runs.db"));
    }
    if (Files.exists(file)) {
      if (!Files.isRegularFile(file)) {
        throw new StoreConfigurationException(prefix(where) + file + " is not a regular file");
      }
      if (!Files.isReadable(file)) {
        throw new StoreConfigurationException(
            prefix(where)
                + "database file "
                + file
                + " is not readable by this process; check its permissions");
      }
      checkHeader(file, where);
      if (!Files.isWritable(file)) {
        throw new StoreConfigurationException(
            prefix(where)
                + "database file "
                + file
                + " is read-only; the store needs to write it (check its permissions)");
      }
      if (!Files.isWritable(dir)) {
        throw new StoreConfigurationException(
            prefix(where)
                + "directory "
                + dir
                + " is read-only; SQLite needs to create "
                + file.getFileName()
                + "-wal and "
                + file.getFileName()
                + "-shm next to the database (check its permissions)");
      }
      return false;
    }
    if (!Files.isWritable(dir)) {
      throw new StoreConfigurationException(
          prefix(where)
              + "directory "
              + dir
              + " is read-only; cannot create the database file "
              + file.getFileName()
              + " (check its permissions or choose another directory)");
    }
    try {
      Files.createFile(file);
      return true;
    } catch (FileAlreadyExistsException raced) {
      // another process created it meanwhile: check it like any existing file
      return prepare(file, where);
    } catch (AccessDeniedException | NoSuchFileException e) {
      throw new StoreConfigurationException(
          prefix(where)
              + "directory "
              + dir
              + " is read-only for this process; cannot create the database file "
              + file.getFileName()
              + " ("
              + e.getClass().getSimpleName()
              + ")",
          e);
    } catch (IOException e) {
      throw new StoreConfigurationException(
          prefix(where)
              + "cannot create the database file "
              + file
              + " in directory "
              + dir
              + " (read-only or full?): "
              + e,
          e);
    }
  }

  private static void checkHeader(Path file, String where) {
    byte[] head = new byte[HEADER.length];
    int n = 0;
    long size;
    try (InputStream in = Files.newInputStream(file)) {
      size = Files.size(file);
      while (n < head.length) {
        int r = in.read(head, n, head.length - n);
        if (r < 0) {
          break;
        }
        n += r;
      }
    } catch (IOException e) {
      throw new StoreIoException(prefix(where) + "cannot read " + file + ": " + e, e);
    }
    if (size == 0) {
      return; // an empty file is an empty database
    }
    if (n < HEADER.length || !Arrays.equals(head, HEADER)) {
      throw new StoreConfigurationException(
          prefix(where)
              + file
              + " is not a SQLite database (it does not start with the SQLite header); it was left"
              + " unchanged - point the URI at a new or existing database file");
    }
  }

  /**
   * Removes a database file this process just created, with SQLite's companions.
   *
   * @param file the database file
   */
  static void deleteCreated(Path file) {
    for (String suffix : new String[] {"", "-wal", "-shm", "-journal"}) {
      try {
        Files.deleteIfExists(file.resolveSibling(file.getFileName() + suffix));
      } catch (IOException ignored) {
        // best effort: the file was empty and ours
      }
    }
  }

  private static String prefix(String where) {
    return "sqlite store '" + where + "': ";
  }
}
