package dev.runs.store.file;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.runs.StoreIoException;
import dev.runs.spi.Sha256;
import dev.runs.spi.StoredDocument;
import dev.runs.spi.Utf8;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Documents as files: {@code documents/<collection>/<name>.json}, each written once, atomically,
 * under the store lock. {@code <name>} is the id when it is a safe file name, else {@code ~} and
 * the id's sha256; such a document also has {@code <name>.id} holding its id (UTF-8), written
 * before the document and removed after it, so listings can name every document.
 *
 * <p>Listing reads the collection's directory and sorts the ids (ordinal {@link String#compareTo}
 * order, as the SPI asks); ids read from {@code .id} files are cached, since a name always stands
 * for the same id. A {@code ~} document of a store written before {@code .id} files existed gets
 * its id back when one of its top-level string fields hashes to its name, and its {@code .id} file
 * is then written; otherwise it is not listed (and a warning says so once).
 *
 * <p>Thread-safe: saves and deletions hold the store lock (in this process and across processes).
 */
final class FileDocuments {
  private static final Logger log = LoggerFactory.getLogger(FileDocuments.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String JSON_SUFFIX = ".json";
  private static final String ID_SUFFIX = ".id";

  private final Layout layout;
  private final DurableFs fs;

  /** Ids of hashed names, by document file; a name always stands for the same id. */
  private final Map<Path, String> hashedIds = new ConcurrentHashMap<>();

  private final Set<Path> warnedUnnamed = ConcurrentHashMap.newKeySet();

  FileDocuments(Layout layout, DurableFs fs) {
    this.layout = layout;
    this.fs = fs;
  }

  private FileLocks.Held lockStore(String what) {
    try {
      return FileLocks.acquire(layout.storeLock);
    } catch (IOException e) {
      throw new StoreIoException("cannot lock " + layout.storeLock + " to " + what + ": " + e, e);
    }
  }

  private static Path idFile(Path documentFile) {
    String name = documentFile.getFileName().toString();
    return documentFile.resolveSibling(
        name.substring(0, name.length() - JSON_SUFFIX.length()) + ID_SUFFIX);
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
    FileLocks.Held held = lockStore("save a document");
    try {
      if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
        return false;
      }
      fs.createDirectories(layout.documents, DurableFs.parentOf(file));
      if (!Layout.isSafeDocumentId(id)) {
        fs.writeAtomically(idFile(file), id.getBytes(StandardCharsets.UTF_8), true);
      }
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

  /**
   * Removes a document (then its {@code .id} file), under the store lock.
   *
   * @param collection the collection
   * @param id the document id
   * @return whether it existed
   */
  boolean delete(String collection, String id) {
    Path file = layout.documentFile(collection, id);
    FileLocks.Held held = lockStore("delete a document");
    try {
      boolean existed = Files.deleteIfExists(file);
      Files.deleteIfExists(idFile(file));
      if (existed) {
        fs.forceDirectory(DurableFs.parentOf(file));
      }
      return existed;
    } catch (IOException e) {
      throw new StoreIoException(
          "deleting document " + collection + "/" + id + " (" + file + ") failed: " + e, e);
    } finally {
      held.close();
    }
  }

  /**
   * Lists a collection in ordinal id order.
   *
   * @param collection the collection
   * @param afterId only ids greater than this
   * @param limit the most to return
   * @return the documents
   */
  List<StoredDocument> list(String collection, String afterId, int limit) {
    Path dir = layout.collectionDir(collection);
    TreeMap<String, Path> byId = new TreeMap<>();
    try {
      for (Path p : DurableFs.list(dir)) {
        String name = p.getFileName().toString();
        if (name.startsWith(".") || !name.endsWith(JSON_SUFFIX)) {
          continue; // temporary files, .id files
        }
        String id = idOf(p, name.substring(0, name.length() - JSON_SUFFIX.length()));
        if (id != null && id.compareTo(afterId) > 0) {
          byId.put(id, p);
          if (byId.size() > limit) {
            byId.pollLastEntry();
          }
        }
      }
    } catch (IOException e) {
      throw new StoreIoException("listing documents in " + dir + " failed: " + e, e);
    }
    List<StoredDocument> out = new ArrayList<>(byId.size());
    for (Iterator<Map.Entry<String, Path>> it = byId.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Path> e = it.next();
      try {
        out.add(
            new StoredDocument(e.getKey(), Files.readString(e.getValue(), StandardCharsets.UTF_8)));
      } catch (NoSuchFileException deleted) {
        // deleted since the directory was read
      } catch (IOException ex) {
        throw new StoreIoException("reading document " + e.getValue() + " failed: " + ex, ex);
      }
    }
    return out;
  }

  /**
   * @return the id a document file stands for, or null when it cannot be told
   */
  private @Nullable String idOf(Path file, String name) throws IOException {
    if (!name.startsWith("~")) {
      return Layout.isSafeDocumentId(name) ? name : null;
    }
    String known = hashedIds.get(file);
    if (known != null) {
      return known;
    }
    String hash = name.substring(1);
    String id = null;
    try {
      byte[] b = Files.readAllBytes(idFile(file));
      id = Utf8.decodeOrNull(b, 0, b.length);
    } catch (NoSuchFileException e) {
      id = recoverId(file, hash);
    }
    if (id == null || !Sha256.hex(id).equals(hash)) {
      if (warnedUnnamed.add(file)) {
        log.warn(
            "document {} is not listed: its id is unknown (no readable {} file naming it); find"
                + " it by id, or write its id into that file",
            file,
            ID_SUFFIX);
      }
      return null;
    }
    hashedIds.put(file, id);
    return id;
  }

  /**
   * A document of a store written before {@code .id} files: its id is often one of its fields. When
   * a top-level string hashes to the name, that is the id, and its {@code .id} file is written.
   */
  private @Nullable String recoverId(Path file, String hash) {
    JsonNode n;
    try {
      n = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException | RuntimeException e) {
      return null;
    }
    if (n == null || !n.isObject()) {
      return null;
    }
    for (Iterator<JsonNode> it = n.elements(); it.hasNext(); ) {
      JsonNode v = it.next();
      if (v.isTextual() && Sha256.hex(v.asText()).equals(hash)) {
        String id = v.asText();
        FileLocks.Held held = lockStore("name a document");
        try {
          if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            fs.writeAtomically(idFile(file), id.getBytes(StandardCharsets.UTF_8), true);
          }
        } catch (IOException e) {
          log.debug("cannot write the id file of {}", file, e);
        } finally {
          held.close();
        }
        return id;
      }
    }
    return null;
  }
}
