package dev.runs.store.file;

import dev.runs.StoreIoException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Documents as files: {@code documents/<collection>/<id>.json}, each written once, atomically,
 * under the store lock.
 *
 * <p>Thread-safe: saves hold the store lock (in this process and across processes).
 */
final class FileDocuments {
  private final Layout layout;
  private final DurableFs fs;

  FileDocuments(Layout layout, DurableFs fs) {
    this.layout = layout;
    this.fs = fs;
  }

  /**
   * Saves a document once, under the store lock.
   *
   * @param collection the collection
   * @param id the document id
   * @param json the document
   * @return false when it already exists
   */
  boolean save(String collection, String id, String json) {
    Path file = layout.documentFile(collection, id);
    FileLocks.Held held;
    try {
      held = FileLocks.acquire(layout.storeLock);
    } catch (IOException e) {
      throw new StoreIoException(
          "cannot lock " + layout.storeLock + " to save a document: " + e, e);
    }
    try {
      if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
        return false;
      }
      fs.createDirectories(layout.documents, DurableFs.parentOf(file));
      fs.writeAtomically(file, json.getBytes(StandardCharsets.UTF_8), false);
      return true;
    } catch (FileAlreadyExistsException e) {
      return false;
    } catch (IOException e) {
      throw new StoreIoException(
          "saving document "
              + collection
              + "/"
              + id
              + " to "
              + file
              + " failed: "
              + e
              + "; nothing was saved",
          e);
    } finally {
      held.close();
    }
  }

  /**
   * @param collection the collection
   * @param id the document id
   * @return the document, if saved
   */
  Optional<String> find(String collection, String id) {
    Path file = layout.documentFile(collection, id);
    try {
      return Optional.of(Files.readString(file, StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new StoreIoException("reading document " + file + " failed: " + e, e);
    }
  }
}
