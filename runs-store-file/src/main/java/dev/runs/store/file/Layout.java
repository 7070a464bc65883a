package dev.runs.store.file;

import dev.runs.RunId;
import dev.runs.ValidationException;
import dev.runs.spi.Sha256;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Where everything lives under a store root. Every path is built from validated names, one segment
 * at a time, and checked to stay below the directory it belongs to.
 *
 * <pre>
 * &lt;root&gt;/store.json                     marker: {"schema":"runs.file-store/2"}
 * &lt;root&gt;/store.lock                     lock file: run creation, import, deletion, documents
 * &lt;root&gt;/runs.index                     listing index: runs, terminal statuses, deletions
 * &lt;root&gt;/runs.index.lock                lock file: appends to and rewrites of runs.index
 * &lt;root&gt;/runs/&lt;namespace&gt;/&lt;local-id&gt;/  one directory per run (file names below)
 * &lt;root&gt;/triggers/&lt;sha256&gt;.json        trigger id -&gt; run id
 * &lt;root&gt;/leases/&lt;run id, '/' as '+'&gt;.json the run's lease
 * &lt;root&gt;/documents/&lt;collection&gt;/&lt;name&gt;.json
 * &lt;root&gt;/documents/&lt;collection&gt;/&lt;name&gt;.id    the id of a document whose name is a hash
 * &lt;root&gt;/.staging/&lt;random&gt;/            an import being written (import.lock, run/)
 * &lt;root&gt;/.trash/&lt;random&gt;/              what a deletion or an archiving removes
 * </pre>
 *
 * <p>Schema 2 added archive stubs ({@code stub.json} in a run directory whose events left), the
 * staging and trash directories and the {@code .id} files; a schema 1 store is a valid schema 2
 * store, so opening one only rewrites its marker.
 */
final class Layout {
  static final String MARKER = "store.json";
  static final String MARKER_SCHEMA = "runs.file-store/2";

  /** The schema before archive stubs, imports and deletions; opened and marked as schema 2. */
  static final String MARKER_SCHEMA_1 = "runs.file-store/1";

  static final String STORE_LOCK = "store.lock";
  static final String RUNS = "runs";

  /** The listing index ({@link RunListIndex}); a cache rebuilt from the run directories. */
  static final String INDEX = "runs.index";

  static final String INDEX_LOCK = "runs.index.lock";
  static final String TRIGGERS = "triggers";
  static final String LEASES = "leases";
  static final String DOCUMENTS = "documents";
  static final String STAGING = ".staging";
  static final String TRASH = ".trash";

  /** In a staging directory: shared by the importer while it writes, so a sweep spares it. */
  static final String IMPORT_LOCK = "import.lock";

  /** In a staging directory: the run directory being written, renamed into place at the end. */
  static final String STAGED_RUN = "run";

  static final String RUN_JSON = "run.json";
  static final String EVENTS = "events.ndjson";
  static final String BROKEN = "events.ndjson.broken";
  static final String RUN_LOCK = "run.lock";

  /**
   * The archive stub of a run whose events and stages moved to an archive; while it exists the run
   * has no {@code events.ndjson}.
   */
  static final String STUB = "stub.json";

  /** The event log while it is being replaced by a stub: rolled back if no stub follows. */
  static final String STUBBING = "events.ndjson.stubbing";

  /** The event log put back by a restore, before the stub is removed: rolled forward after. */
  static final String RESTORING = "events.ndjson.restoring";

  /**
   * Shared by a run's stage writers while they write; taken alone to remove what dead ones left.
   */
  static final String STAGE_LOCK = "stages.lock";

  static final String STAGES = "stages";
  static final String MANIFEST = "manifest.json";

  private static final Pattern SAFE_DOCUMENT_ID = Pattern.compile("[a-z0-9][a-z0-9_-]{0,99}");
  private static final Pattern COLLECTION = Pattern.compile("[a-z0-9_-]{1,64}");

  final Path root;
  final Path runs;
  final Path triggers;
  final Path leases;
  final Path documents;
  final Path storeLock;
  final Path marker;
  final Path staging;
  final Path trash;
  final Path index;
  final Path indexLock;

  Layout(Path root) {
    this.root = root;
    this.runs = root.resolve(RUNS);
    this.triggers = root.resolve(TRIGGERS);
    this.leases = root.resolve(LEASES);
    this.documents = root.resolve(DOCUMENTS);
    this.storeLock = root.resolve(STORE_LOCK);
    this.marker = root.resolve(MARKER);
    this.staging = root.resolve(STAGING);
    this.trash = root.resolve(TRASH);
    this.index = root.resolve(INDEX);
    this.indexLock = root.resolve(INDEX_LOCK);
  }

  /**
   * @return {@code runs/<segment>/.../<segment>} of a run id
   */
  Path runDir(RunId id) {
    return resolveRelative(runs, id.value());
  }

  /**
   * @return the trigger index file of a trigger id: its sha256, so any text is a safe name
   */
  Path triggerFile(String triggerId) {
    return triggers.resolve(Sha256.hex(triggerId) + ".json");
  }

  /**
   * @return the lease file: the run id with '/' written as '+' (never part of an id)
   */
  Path leaseFile(RunId id) {
    return inside(leases, leases.resolve(id.value().replace('/', '+') + ".json"));
  }

  /**
   * @return the run id a lease file name stands for
   */
  static RunId leaseRunId(String fileName) {
    return RunId.of(fileName.substring(0, fileName.length() - ".json".length()).replace('+', '/'));
  }

  /**
   * The file of a document: ids of lowercase letters, digits, '-' and '_' (up to 100) are used as
   * they are; any other id becomes {@code ~<sha256 of the id>}, so every id gets a safe name and
   * two ids never share one, even on a case-insensitive file system.
   */
  Path documentFile(String collection, String id) {
    Path dir = collectionDir(collection);
    return inside(dir, dir.resolve(documentName(id) + ".json"));
  }

  /**
   * @return the directory of a collection's documents
   */
  Path collectionDir(String collection) {
    if (!COLLECTION.matcher(collection).matches()) {
      throw new ValidationException(
          "collection", "'" + collection + "' must be 1 to 64 of a-z, 0-9, '_', '-'");
    }
    return inside(documents, documents.resolve(collection));
  }

  /**
   * @return the file name of a document without its extension: the id itself when it is safe, else
   *     {@code ~} and the id's sha256
   */
  static String documentName(String id) {
    return isSafeDocumentId(id) ? id : "~" + Sha256.hex(id);
  }

  /**
   * @return whether an id is used as its own file name
   */
  static boolean isSafeDocumentId(String id) {
    return SAFE_DOCUMENT_ID.matcher(id).matches();
  }

  /**
   * Resolves a '/'-separated relative path below a directory, refusing anything that could leave
   * it: empty, '.' or '..' segments, backslashes, NUL, drive letters, absolute paths.
   *
   * @param base the directory
   * @param relative the relative path
   * @return the resolved path, strictly below {@code base}
   * @throws ValidationException when the path is unsafe
   */
  static Path resolveRelative(Path base, String relative) {
    if (relative.isEmpty() || relative.startsWith("/") || relative.endsWith("/")) {
      throw new ValidationException(
          "path", "'" + relative + "' must be a relative path without a leading or trailing '/'");
    }
    Path p = base;
    for (String segment : relative.split("/", -1)) {
      if (segment.isEmpty()
          || segment.equals(".")
          || segment.equals("..")
          || segment.indexOf('\\') >= 0
          || segment.indexOf('\0') >= 0
          || segment.indexOf(':') >= 0
          || segment.length() > 255) {
        throw new ValidationException(
            "path",
            "segment '"
                + printable(segment)
                + "' of '"
                + printable(relative)
                + "' is not a safe file name");
      }
      p = p.resolve(segment);
    }
    return inside(base, p);
  }

  /**
   * @param base a directory
   * @param p a path meant to lie strictly below it
   * @return {@code p}
   * @throws ValidationException when {@code p} normalizes to a path outside {@code base}
   */
  static Path inside(Path base, Path p) {
    Path n = p.normalize();
    if (!n.startsWith(base.normalize()) || n.equals(base.normalize())) {
      throw new ValidationException("path", p + " is not inside " + base);
    }
    return n;
  }

  private static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && i < 120; i++) {
      char c = s.charAt(i);
      b.append(c < 0x20 || c == 0x7f ? String.format("\\u%04x", (int) c) : String.valueOf(c));
    }
    return b.toString();
  }
}
