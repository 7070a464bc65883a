package dev.runs;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where archived runs live: a plain object store of immutable files under keys. Open one with
 * {@link ArchiveStores#open(String)} ({@code dir:/mnt/archive}, or {@code s3://bucket/prefix} with
 * the {@code runs-archive-s3} module) and hand it to a {@code RunArchiver} and to the store's
 * options ({@link RunStoreOptions.Builder#archive}), which then reads archived runs from it.
 *
 * <p>Keys are relative, {@code /}-separated paths of non-empty segments ({@link #checkKey}); the
 * run archiver lays runs out as {@code {namespace}/{local-id}/run.json}, {@code events.ndjson},
 * {@code summary.json}, {@code stages/…} and, written last, {@code manifest.json} with every
 * object's sha256.
 *
 * <p>Implementations are thread-safe. Every method throws {@link ArchiveUnavailableException} when
 * the archive cannot be reached or refuses a request; messages name {@link #location()}, never a
 * credential.
 */
public interface ArchiveStore extends AutoCloseable {

  /**
   * Writes an object from a file, replacing any object under the key. When it returns, the object
   * is complete and durable: a reader sees either the old object or all of the new one.
   *
   * @param key the key
   * @param file the content
   * @throws ArchiveUnavailableException when the write fails
   */
  void put(String key, Path file);

  /**
   * Writes an object from bytes; see {@link #put(String, Path)}.
   *
   * @param key the key
   * @param bytes the content
   * @throws ArchiveUnavailableException when the write fails
   */
  void put(String key, byte[] bytes);

  /**
   * Opens an object for reading.
   *
   * @param key the key
   * @return the object's content, streamed; empty when no object has the key
   * @throws ArchiveUnavailableException when the archive cannot be read
   */
  Optional<InputStream> open(String key);

  /**
   * Lists the keys under a prefix.
   *
   * @param prefix a key prefix ending in {@code /}, or empty for all
   * @return the keys, sorted
   * @throws ArchiveUnavailableException when the archive cannot be listed
   */
  List<String> list(String prefix);

  /**
   * Removes an object; does nothing when there is none.
   *
   * @param key the key
   * @throws ArchiveUnavailableException when the archive refuses
   */
  void delete(String key);

  /**
   * @return the archive's location for messages and stubs, credentials removed, e.g. {@code
   *     dir:/mnt/archive} or {@code s3://bucket/prefix}
   */
  String location();

  /**
   * Releases clients and connections. Idempotent. Afterwards {@link #location()} still answers and
   * every other method throws {@link IllegalStateException}.
   */
  @Override
  void close();

  /**
   * Checks a key: 1 to 1,024 characters, {@code /}-separated segments that are not empty, {@code .}
   * or {@code ..}, with no control characters or backslashes.
   *
   * @param key the key
   * @return the key
   * @throws ValidationException naming the rule it breaks
   */
  static String checkKey(String key) {
    Objects.requireNonNull(key, "key");
    if (key.isEmpty() || key.length() > 1024) {
      throw new ValidationException("archive key", "must be 1 to 1024 characters: '" + key + "'");
    }
    for (String segment : key.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw new ValidationException(
            "archive key", "'" + key + "' has an empty, '.' or '..' segment");
      }
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c < 0x20 || c == 0x7f || c == '\\') {
        throw new ValidationException(
            "archive key", "'" + key + "' contains a control character or a backslash");
      }
    }
    return key;
  }
}
