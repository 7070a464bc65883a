package dev.runs.internal.move;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.BundleFormatException;
import dev.runs.EventStream;
import dev.runs.ImportConflictException;
import dev.runs.ImportResult;
import dev.runs.RunDeletedException;
import dev.runs.RunEntry;
import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import dev.runs.RunRecord;
import dev.runs.RunStore;
import dev.runs.RunsException;
import dev.runs.StageManifest;
import dev.runs.StoreIoException;
import dev.runs.Tombstone;
import dev.runs.internal.codec.JsonFields;
import dev.runs.internal.codec.RunRecordJson;
import dev.runs.internal.codec.StageManifestJson;
import dev.runs.internal.support.JsonSupport;
import dev.runs.spi.EncodedEventStream;
import dev.runs.spi.EnvelopeStream;
import dev.runs.spi.FlushBehind;
import dev.runs.spi.ImportedRun;
import dev.runs.spi.RunHead;
import dev.runs.spi.Sha256;
import dev.runs.spi.StageIntegrity;
import dev.runs.spi.Utf8;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The {@code runs.bundle/1} format: a header line, the run's event envelopes as stored, then one
 * line per stage file. The header carries the events' sha256, known only after them: export to a
 * file leaves room for the header, writes the events in one pass and the header last; export to a
 * stream reads the events twice (count and hash, then write); import checks everything in a first
 * pass, then hands the engine a second, lazy pass, so memory stays bounded for any run length. The
 * directory and zip forms ({@link BundleForms}) reuse all of this on their {@code bundle.ndjson},
 * whose stage_file lines name a file beside them ({@link Beside}) instead of carrying it in base64.
 */
public final class Bundles {
  /** The format's schema name. */
  public static final String SCHEMA = "runs.bundle/1";

  /** The folder of the directory and zip forms that holds the stage files. */
  static final String FILES = "files/";

  /** The lines' name in the directory and zip forms. */
  static final String LINES = "bundle.ndjson";

  private Bundles() {}

  /** What an export wrote. */
  public record Exported(RunId runId, long eventCount, String eventsSha256, long bytes) {}

  // ---- export
  // ------------------------------------------------------------------------------------

  /**
   * Writes a run's bundle.
   *
   * @param store the store
   * @param id the run
   * @param out where the bundle goes (not closed)
   * @return what was written
   */
  public static Exported export(RunStore store, RunId id, OutputStream out) throws IOException {
    return exportLines(store, id, out, false).exported();
  }

  /** What {@link #exportLines} wrote, and the manifests whose files it named. */
  record Lines(Exported exported, List<StageManifest> stages) {}

  /**
   * Writes a run's bundle lines to a stream. The header, which carries the events' count and
   * sha256, comes first, so a first pass counts and hashes the events; their lines are held in
   * memory as it goes ({@link HeldLines}, up to {@value HeldLines#DEFAULT_LIMIT} bytes), and
   * written after the header from there when they fit. A longer run is read a second time to write
   * them (a run's stored events up to the head read at the start never change; a run deleted,
   * archived or replaced between the passes throws). Both passes copy blocks of the log when the
   * engine keeps it as the lines themselves ({@link StoredLines}), envelope by envelope otherwise.
   * An archived run, whose events come from its archive, is read once into a spool file instead.
   *
   * @param beside true to write each stage file's line with a {@code file} member naming it beside
   *     the lines (the directory and zip forms, which write the bytes themselves), false for its
   *     bytes in base64 on the line
   */
  static Lines exportLines(RunStore store, RunId id, OutputStream out, boolean beside)
      throws IOException {
    return exportLines(store, id, out, beside, HeldLines.DEFAULT_LIMIT);
  }

  /**
   * {@link #exportLines(RunStore, RunId, OutputStream, boolean)} holding at most {@code held} bytes
   * of lines in memory (0: every run is read twice).
   */
  static Lines exportLines(RunStore store, RunId id, OutputStream out, boolean beside, long held)
      throws IOException {
    RunMoves moves = RunMoves.of(store);
    RunEntry entry = entry(store, moves, id);
    if (moves.engine().stub(id).isPresent()) {
      return spooled(store, moves, entry, out, beside);
    }
    Instant exportedAt = moves.options().clock().instant();
    EventLines.Written w;
    HeldLines lines = new HeldLines(held);
    try {
      w =
          StoredLines.copy(
              store, moves, id, entry.lastSequence(), entry.status(), null, null, lines);
    } catch (RunNotFoundException e) {
      throw moves.notFound(id, e, "exported");
    }
    List<StageManifest> stages = store.stages(id);
    byte[] headerLine = headerLine(entry, w.head(), w.count(), w.sha256(), stages, exportedAt);
    out.write(headerLine);
    out.write('\n');
    boolean same = !lines.overflowed();
    if (same) {
      lines.writeTo(out);
    } else {
      try {
        same = StoredLines.copyAgain(moves, id, w, out);
      } catch (RunNotFoundException e) {
        throw moves.notFound(id, e, "exported");
      }
    }
    if (!same) {
      throw changed(store, moves, id);
    }
    long bytes = headerLine.length + 1 + w.bytes() + stageLines(store, id, stages, beside, out);
    out.flush();
    return new Lines(new Exported(id, w.count(), w.sha256(), bytes), stages);
  }

  /**
   * Writes a run's bundle lines into a new, empty file in one pass over the events: the header's
   * length is known before them (its only unknown, the events' sha256, has a fixed length; the last
   * event, for the head, is read first), so the events are written after room for it, hashed as
   * they go (in blocks of the log when the engine keeps it as the lines, {@link StoredLines}), and
   * the header is written into that room at the end. An archived run goes through {@link
   * #exportLines(RunStore, RunId, OutputStream, boolean)}.
   *
   * @param channel the file, empty, at position 0; not closed or forced
   * @param beside as for the stream
   */
  static Lines exportLines(RunStore store, RunId id, FileChannel channel, boolean beside)
      throws IOException {
    RunMoves moves = RunMoves.of(store);
    RunEntry entry = entry(store, moves, id);
    if (moves.engine().stub(id).isPresent()) {
      try (ChannelOutput out = new ChannelOutput(channel)) {
        return spooled(store, moves, entry, out, beside);
      }
    }
    Instant exportedAt = moves.options().clock().instant();
    long upTo = entry.lastSequence();
    if (upTo < 1) {
      throw new StoreIoException("run " + id + " has no events to write");
    }
    byte[] lastLine;
    RunHead head;
    try {
      lastLine = StoredLines.lastEnvelope(store, moves, id, upTo);
      head = EventLines.head(id, lastLine, upTo, entry.status());
    } catch (RunNotFoundException e) {
      throw moves.notFound(id, e, "exported");
    }
    List<StageManifest> stages = store.stages(id);
    int room = headerLine(entry, head, upTo, UNKNOWN_SHA256, stages, exportedAt).length + 1;
    EventLines.Written w;
    long bytes;
    try (PositionalOutput out = new PositionalOutput(channel, room)) {
      try {
        w = StoredLines.copy(store, moves, id, upTo, entry.status(), lastLine, null, out);
      } catch (RunNotFoundException e) {
        throw moves.notFound(id, e, "exported");
      }
      if (!w.head().equals(head)) {
        throw changed(store, moves, id);
      }
      bytes = room + w.bytes() + stageLines(store, id, stages, beside, out);
    }
    byte[] headerLine = headerLine(entry, head, upTo, w.sha256(), stages, exportedAt);
    if (headerLine.length + 1 != room) {
      throw new IllegalStateException(
          "the header of run " + id + " is " + headerLine.length + " bytes, not " + (room - 1));
    }
    ByteBuffer header = ByteBuffer.allocate(room).put(headerLine).put((byte) '\n').flip();
    for (long at = 0; header.hasRemaining(); ) {
      at += channel.write(header, at);
    }
    channel.position(bytes);
    return new Lines(new Exported(id, w.count(), w.sha256(), bytes), stages);
  }

  /** A placeholder of the events' sha256 while the header's length is measured. */
  private static final String UNKNOWN_SHA256 = "0".repeat(64);

  private static RunEntry entry(RunStore store, RunMoves moves, RunId id) {
    return store
        .entry(id)
        .orElseThrow(() -> moves.notFound(id, new RunNotFoundException(id), "exported"));
  }

  /**
   * The error for a run whose events read differently the second time: gone, archived, or (its
   * events are immutable up to its head) replaced by another run of the same id, or damaged.
   */
  static RunsException changed(RunStore store, RunMoves moves, RunId id) {
    if (store.entry(id).isEmpty()) {
      return moves.notFound(id, new RunNotFoundException(id), "exported");
    }
    if (moves.engine().stub(id).isPresent()) {
      return new StoreIoException(
          "run " + id + " was archived while it was exported; export it again (from its archive)");
    }
    return new dev.runs.StoreCorruptedException(
        "run "
            + id
            + ": its stored events read differently on a second read during the export (the run"
            + " was deleted and imported again meanwhile, or its storage is damaged)");
  }

  /** The header line, without its line feed. */
  private static byte[] headerLine(
      RunEntry entry,
      RunHead head,
      long count,
      String sha256,
      List<StageManifest> stages,
      Instant exportedAt) {
    ObjectNode header = JsonSupport.object();
    header.put("schema", SCHEMA);
    header.put("exported_at", JsonFields.time(exportedAt, "exported_at"));
    header.set("run", RunRecordJson.toTree(entry.record()));
    header.set("head", MoveJson.head(head));
    header.put("event_count", count);
    header.put("events_sha256", sha256);
    ArrayNode stageArray = header.putArray("stages");
    long files = 0;
    for (StageManifest m : stages) {
      stageArray.add(MoveJson.parse(StageManifestJson.encode(m), "stage manifest"));
      files += m.files().size();
    }
    header.put("stage_files", files);
    return sealed(JsonSupport.write(header).getBytes(StandardCharsets.UTF_8));
  }

  /** What ends every header line: the header's own hash, then the closing brace. */
  private static final byte[] HEADER_SHA256 =
      ",\"header_sha256\":\"".getBytes(StandardCharsets.UTF_8);

  /** The length of a header line's seal: the field, 64 hex digits, a quote and a brace. */
  private static final int SEAL = HEADER_SHA256.length + 64 + 2;

  /**
   * Adds a header's own hash as its last field, {@code header_sha256}: SHA-256 of the header line
   * as it would be without that field. Nothing else covers the header (the record, the head, the
   * manifests), so damage to it would otherwise import a different run record without a word.
   *
   * @param unsealed the header's compact JSON, ending in its closing brace
   * @return the header line
   */
  private static byte[] sealed(byte[] unsealed) {
    String sha = Sha256.hex(unsealed);
    byte[] line = Arrays.copyOf(unsealed, unsealed.length - 1 + SEAL);
    int at = unsealed.length - 1;
    System.arraycopy(HEADER_SHA256, 0, line, at, HEADER_SHA256.length);
    at += HEADER_SHA256.length;
    for (int i = 0; i < 64; i++) {
      line[at++] = (byte) sha.charAt(i);
    }
    line[at++] = '"';
    line[at] = '}';
    return line;
  }

  /**
   * Checks a header line's own hash ({@link #sealed}).
   *
   * @throws BundleFormatException when the line does not end in its hash, or the hash differs
   */
  private static void checkSeal(byte[] line, String source) {
    int at = line.length - SEAL;
    boolean shaped =
        at > 0
            && line[line.length - 1] == '}'
            && line[line.length - 2] == '"'
            && Arrays.equals(
                line, at, at + HEADER_SHA256.length, HEADER_SHA256, 0, HEADER_SHA256.length);
    if (!shaped) {
      throw new BundleFormatException(
          source,
          1,
          "the header does not end in its header_sha256 (damaged, or not written by Runs)",
          null);
    }
    String stated = new String(line, at + HEADER_SHA256.length, 64, StandardCharsets.US_ASCII);
    byte[] unsealed = Arrays.copyOf(line, at + 1);
    unsealed[at] = '}';
    String actual = Sha256.hex(unsealed);
    if (!actual.equals(stated)) {
      throw new BundleFormatException(
          source,
          1,
          "the header is damaged: its sha256 is "
              + actual
              + ", but its header_sha256 says "
              + stated,
          null);
    }
  }

  /**
   * Writes one line per stage file.
   *
   * @return the bytes written
   */
  private static long stageLines(
      RunStore store, RunId id, List<StageManifest> stages, boolean beside, OutputStream out)
      throws IOException {
    long bytes = 0;
    for (StageManifest m : stages) {
      for (StageManifest.Entry f : m.files()) {
        byte[] line =
            beside
                ? stageFileLine(m, f, null)
                : stageFileLine(m, f, store.readStageFile(id, m.stageKey(), m.attempt(), f.path()));
        out.write(line);
        out.write('\n');
        bytes += line.length + 1;
      }
    }
    return bytes;
  }

  /** An archived run's bundle lines: its events read once (from the archive) into a spool file. */
  private static Lines spooled(
      RunStore store, RunMoves moves, RunEntry entry, OutputStream out, boolean beside)
      throws IOException {
    RunId id = entry.id();
    Instant exportedAt = moves.options().clock().instant();
    Path spool = Files.createTempFile("runs-bundle-", ".ndjson");
    try {
      EventLines.Written w;
      try (OutputStream so = new BufferedOutputStream(Files.newOutputStream(spool), 1 << 16);
          EnvelopeStream envelopes = envelopes(store, moves, id)) {
        w = EventLines.copy(id, envelopes, entry.lastSequence(), entry.status(), so);
        // read the archive's events to their end, where the read checks their count and sha256
        // against what the store archived: the copy stops at the head, before that check, and
        // would otherwise put damaged events into a bundle without a word
        while (envelopes.advance()) {
          // (more events than were archived: the check at the end refuses them)
        }
      }
      List<StageManifest> stages = store.stages(id);
      byte[] headerLine = headerLine(entry, w.head(), w.count(), w.sha256(), stages, exportedAt);
      out.write(headerLine);
      out.write('\n');
      copyEvents(spool, out);
      long bytes = headerLine.length + 1 + w.bytes() + stageLines(store, id, stages, beside, out);
      out.flush();
      return new Lines(new Exported(id, w.count(), w.sha256(), bytes), stages);
    } finally {
      Files.deleteIfExists(spool);
    }
  }

  /**
   * Copies the spooled event lines after the header: file to file inside the kernel when the bundle
   * is a file ({@link ChannelOutput}), through the stream otherwise.
   */
  private static void copyEvents(Path spool, OutputStream out) throws IOException {
    if (!(out instanceof ChannelOutput c)) {
      Files.copy(spool, out);
      return;
    }
    c.flush();
    try (FileChannel src = FileChannel.open(spool, StandardOpenOption.READ)) {
      long size = src.size();
      for (long at = 0; at < size; ) {
        long n = src.transferTo(at, size - at, c.channel);
        if (n <= 0) {
          throw new IOException("cannot copy the spooled events into the bundle at byte " + at);
        }
        at += n;
      }
    }
  }

  /** A buffered stream over a bundle file's channel, into which the events are copied whole. */
  private static final class ChannelOutput extends BufferedOutputStream {
    final FileChannel channel;

    ChannelOutput(FileChannel channel) {
      super(Channels.newOutputStream(channel), 1 << 16);
      this.channel = channel;
    }

    @Override
    public void close() throws IOException {
      flush(); // the channel is its owner's to close
    }
  }

  /**
   * Writes into a file from a position on, 1 MiB at a time with positional writes (the channel's
   * own position is left alone), forcing what it wrote in the background as it goes ({@link
   * FlushBehind}); {@link #close()} writes what is buffered and waits for that force.
   */
  private static final class PositionalOutput extends OutputStream {
    private final FileChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
    private final FlushBehind behind;
    private long position;

    PositionalOutput(FileChannel channel, long position) {
      this.channel = channel;
      this.position = position;
      this.behind = new FlushBehind(channel, "the bundle file");
    }

    @Override
    public void write(int b) throws IOException {
      if (!buffer.hasRemaining()) {
        drain();
      }
      buffer.put((byte) b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (len > buffer.remaining()) {
        drain();
        if (len > buffer.capacity()) {
          writeAt(ByteBuffer.wrap(b, off, len));
          return;
        }
      }
      buffer.put(b, off, len);
    }

    private void drain() throws IOException {
      buffer.flip();
      writeAt(buffer);
      buffer.clear();
    }

    private void writeAt(ByteBuffer b) throws IOException {
      int n = b.remaining();
      while (b.hasRemaining()) {
        position += channel.write(b, position);
      }
      behind.written(n);
    }

    /** Writes what is buffered and waits for the background force in flight. */
    @Override
    public void close() throws IOException {
      try {
        drain();
      } finally {
        behind.await();
      }
    }
  }

  /**
   * A run's envelopes as stored: straight from the engine, or, for an archived run, the events the
   * store reads from the archive, encoded.
   */
  static EnvelopeStream envelopes(RunStore store, RunMoves moves, RunId id) {
    if (moves.engine().stub(id).isPresent()) {
      return EnvelopeStream.encoding(store.read(id, 0));
    }
    return moves.engine().readEnvelopes(id, 0);
  }

  /**
   * @param m a manifest
   * @param path one of its files
   * @return where the directory and zip forms keep that file, relative to the bundle
   */
  static String besideName(StageManifest m, String path) {
    return besideName(m.stageKey(), m.attempt(), path);
  }

  static String besideName(String stageKey, int attempt, String path) {
    return FILES + stageKey + "/" + attempt + "/" + path;
  }

  private static byte[] stageFileLine(
      StageManifest m, StageManifest.Entry f, byte @Nullable [] content) {
    ObjectNode line = JsonSupport.object();
    ObjectNode o = line.putObject("stage_file");
    o.put("stage_key", m.stageKey());
    o.put("attempt", m.attempt());
    o.put("path", f.path());
    o.put("kind", f.kind());
    o.put("size", f.size());
    o.put("sha256", f.sha256());
    if (content == null) {
      o.put("file", besideName(m, f.path()));
    } else {
      o.put("base64", Base64.getEncoder().encodeToString(content));
    }
    return JsonSupport.write(line).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Writes a run's bundle to a file atomically: a partial file never has the final name.
   *
   * @param store the store
   * @param id the run
   * @param target the bundle file
   * @return what was written
   */
  public static Exported export(RunStore store, RunId id, Path target) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Path part = Files.createTempFile(dir, ".runs-bundle-", ".part");
    try {
      Exported e;
      try (FileChannel ch = FileChannel.open(part, StandardOpenOption.WRITE)) {
        e = exportLines(store, id, ch, false).exported();
        ch.force(true);
      }
      Files.move(
          part,
          target,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      return e;
    } finally {
      Files.deleteIfExists(part);
    }
  }

  // ---- reading and checking
  // ----------------------------------------------------------------------

  /** A bundle checked line by line against its header; stage files unpacked into a directory. */
  static final class Checked implements AutoCloseable {
    final Path file;
    final String source;
    final RunRecord record;
    final RunHead head;
    final long eventCount;
    final String eventsSha256;
    final List<StageManifest> stages;
    final Path unpacked;
    final Map<String, Path> stageFiles = new HashMap<>();

    /** The stage files beside the lines (directory and zip forms); null for the one-file form. */
    @Nullable Beside beside;

    Checked(
        Path file,
        String source,
        RunRecord record,
        RunHead head,
        long eventCount,
        String eventsSha256,
        List<StageManifest> stages,
        Path unpacked) {
      this.file = file;
      this.source = source;
      this.record = record;
      this.head = head;
      this.eventCount = eventCount;
      this.eventsSha256 = eventsSha256;
      this.stages = stages;
      this.unpacked = unpacked;
    }

    static String fileKey(String stageKey, int attempt, String path) {
      return stageKey + "/" + attempt + "/" + path;
    }

    @Override
    public void close() throws IOException {
      deleteTree(unpacked);
    }
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** A bundle's first line, decoded. */
  record Header(
      RunRecord record,
      RunHead head,
      long eventCount,
      String eventsSha256,
      List<StageManifest> stages,
      long stageFiles) {}

  /**
   * Reads and decodes the header line.
   *
   * @param in positioned at the first line
   * @param source the bundle's name for messages
   * @return the header
   * @throws BundleFormatException when it is missing, too long, not a header of this format
   */
  static Header header(LineInput in, String source) throws IOException {
    byte[] headerLine;
    try {
      headerLine = in.next();
    } catch (LineInput.LineTooLongException e) {
      throw new BundleFormatException(source, 1, "the header is too long", e);
    }
    if (headerLine == null) {
      throw new BundleFormatException(source, 0, "the file is empty", null);
    }
    JsonNode h = json(headerLine, source, 1, "the header");
    if (!SCHEMA.equals(h.path("schema").asText())) {
      throw new BundleFormatException(
          source, 1, "schema is '" + h.path("schema").asText() + "', expected " + SCHEMA, null);
    }
    checkSeal(headerLine, source);
    try {
      RunRecord record = RunRecordJson.fromTree(h.path("run"));
      RunHead head = MoveJson.head(h, "the header");
      long eventCount = MoveJson.number(h, "event_count", "the header");
      String eventsSha = MoveJson.text(h, "events_sha256", "the header");
      List<StageManifest> stages = new ArrayList<>();
      long files = 0;
      for (JsonNode s : h.path("stages")) {
        StageManifest m = StageManifestJson.decode(JsonSupport.write(s));
        if (!m.runId().equals(record.id())) {
          throw new BundleFormatException(
              source,
              1,
              "stage manifest of run " + m.runId() + " in a bundle of " + record.id(),
              null);
        }
        stages.add(m);
        files += m.files().size();
      }
      return new Header(record, head, eventCount, eventsSha, List.copyOf(stages), files);
    } catch (BundleFormatException e) {
      throw e;
    } catch (RunsException e) {
      throw new BundleFormatException(source, 1, "the header is invalid: " + e.getMessage(), e);
    }
  }

  /**
   * Checks a bundle completely: header, every event line (decodes, belongs to the run, gapless,
   * canonical, allowed by the state machine, hash chain intact), counts and sha256 against the
   * header, every stage file against its manifest, nothing left over.
   */
  static Checked check(Path file, String source) throws IOException {
    return check(file, source, null);
  }

  static Checked check(Path file, String source, @Nullable Beside beside) throws IOException {
    Path unpacked = Files.createTempDirectory("runs-bundle-files-");
    boolean ok = false;
    try (LineInput in = new LineInput(Files.newInputStream(file), EventLines.MAX_LINE)) {
      Header h = header(in, source);
      RunRecord record = h.record();
      RunHead head = h.head();
      long eventCount = h.eventCount();
      String eventsSha = h.eventsSha256();
      List<StageManifest> stages = h.stages();
      RunId id = record.id();
      EventLines.Reader reader =
          new EventLines.Reader(
              in,
              id,
              2,
              true,
              (line, reason, cause) -> new BundleFormatException(source, line, reason, cause));
      dev.runs.HashChain.Result chain = dev.runs.HashChain.verify(record, reader);
      if (!chain.intact()) {
        throw new BundleFormatException(
            source, 0, "the events' hash chain is broken: " + chain.detail(), null);
      }
      if (reader.count() != eventCount) {
        throw new BundleFormatException(
            source,
            0,
            "the header says "
                + eventCount
                + " events but the file holds "
                + reader.count()
                + " (truncated or padded)",
            null);
      }
      if (!reader.sha256().equals(eventsSha)) {
        throw new BundleFormatException(
            source,
            0,
            "the event lines hash to " + reader.sha256() + ", the header says " + eventsSha,
            null);
      }
      RunHead actual = reader.head().orElseThrow();
      if (!actual.equals(head)) {
        throw new BundleFormatException(
            source, 0, "the header's head " + head + " differs from the events' " + actual, null);
      }
      Map<String, StageManifest.Entry> expected = new HashMap<>();
      for (StageManifest m : stages) {
        for (StageManifest.Entry f : m.files()) {
          expected.put(Checked.fileKey(m.stageKey(), m.attempt(), f.path()), f);
        }
      }
      Checked checked =
          new Checked(file, source, record, head, eventCount, eventsSha, stages, unpacked);
      checked.beside = beside;
      byte[] line = reader.leftover();
      long lineNo = reader.lineNumber();
      while (line != null) {
        unpackStageFile(line, lineNo, checked, expected);
        try {
          line = in.next();
        } catch (LineInput.LineTooLongException e) {
          throw new BundleFormatException(
              source, in.number() + 1, String.valueOf(e.getMessage()), e);
        }
        lineNo = in.number();
      }
      if (!expected.isEmpty()) {
        throw new BundleFormatException(
            source,
            0,
            "stage files listed in the manifests are missing: " + expected.keySet(),
            null);
      }
      ok = true;
      return checked;
    } finally {
      if (!ok) {
        deleteTree(unpacked);
      }
    }
  }

  static void unpackStageFile(
      byte[] line, long lineNo, Checked checked, Map<String, StageManifest.Entry> expected)
      throws IOException {
    String source = checked.source;
    JsonNode n = json(line, source, lineNo, "the line").path("stage_file");
    if (!n.isObject()) {
      throw new BundleFormatException(
          source, lineNo, "expected an event or a stage_file line", null);
    }
    String what = "the stage file";
    String key;
    String path;
    long size;
    String sha;
    byte @Nullable [] content = null;
    @Nullable String besideName = null;
    try {
      String stageKey = MoveJson.text(n, "stage_key", what);
      int attempt = (int) MoveJson.number(n, "attempt", what);
      path = MoveJson.text(n, "path", what);
      StageIntegrity.checkPath(path);
      size = MoveJson.number(n, "size", what);
      sha = MoveJson.text(n, "sha256", what);
      if (n.has("base64") && n.has("file")) {
        throw new IllegalArgumentException("it has both base64 and file; give one");
      }
      if (n.has("base64")) {
        if (checked.beside != null) {
          throw new IllegalArgumentException(
              "base64 in a directory or zip bundle, whose stage files are beside the lines");
        }
        content = Base64.getDecoder().decode(MoveJson.text(n, "base64", what));
      } else {
        besideName = MoveJson.text(n, "file", what);
        String expectedName = besideName(stageKey, attempt, path);
        if (!besideName.equals(expectedName)) {
          throw new IllegalArgumentException(
              "file is '" + besideName + "', expected '" + expectedName + "'");
        }
      }
      key = Checked.fileKey(stageKey, attempt, path);
    } catch (RuntimeException e) {
      throw new BundleFormatException(source, lineNo, "invalid stage file: " + e.getMessage(), e);
    }
    StageManifest.Entry entry = expected.remove(key);
    if (entry == null) {
      throw new BundleFormatException(
          source, lineNo, "stage file " + key + " is not in a manifest, or appears twice", null);
    }
    if (size != entry.size() || !sha.equals(entry.sha256())) {
      throw new BundleFormatException(
          source,
          lineNo,
          "stage file "
              + key
              + ": the line says "
              + size
              + " bytes with sha256 "
              + sha
              + ", its manifest says "
              + entry.size()
              + " bytes with sha256 "
              + entry.sha256(),
          null);
    }
    Path target = checked.unpacked.resolve("f" + checked.stageFiles.size());
    String name;
    long actualSize;
    String actual;
    if (content != null) {
      name = "stage file " + key;
      actualSize = content.length;
      actual = Sha256.hex(content);
      if (actualSize == entry.size() && actual.equals(entry.sha256())) {
        Files.write(target, content);
      }
    } else {
      Beside beside = checked.beside;
      if (beside == null || besideName == null) {
        throw new BundleFormatException(
            source,
            lineNo,
            "stage file "
                + key
                + " is named as a file beside the bundle ("
                + besideName
                + "), which only a directory or zip bundle has",
            null);
      }
      name = "stage file " + besideName;
      MessageDigest digest = Sha256.newDigest();
      try (InputStream in = beside.open(besideName);
          OutputStream out = Files.newOutputStream(target)) {
        actualSize = copy(in, out, digest, entry.size() + 1);
      }
      actual = Sha256.hex(digest);
    }
    if (actualSize != entry.size() || !actual.equals(entry.sha256())) {
      throw new BundleFormatException(
          source,
          lineNo,
          name
              + (actualSize < entry.size()
                  ? " is truncated"
                  : actualSize > entry.size() ? " is too long" : " was tampered with")
              + ": it has "
              + (actualSize > entry.size() ? "more than " + entry.size() : actualSize)
              + " bytes"
              + (actualSize == entry.size() ? " with sha256 " + actual : "")
              + ", its manifest says "
              + entry.size()
              + " bytes with sha256 "
              + entry.sha256(),
          null);
    }
    checked.stageFiles.put(key, target);
  }

  /**
   * Copies a stream into another through a digest, stopping after {@code limit} bytes.
   *
   * @return the bytes copied, at most {@code limit}
   */
  static long copy(InputStream in, OutputStream out, MessageDigest digest, long limit)
      throws IOException {
    byte[] buf = new byte[1 << 16];
    long total = 0;
    while (total < limit) {
      int n = in.read(buf, 0, (int) Math.min(buf.length, limit - total));
      if (n < 0) {
        break;
      }
      digest.update(buf, 0, n);
      out.write(buf, 0, n);
      total += n;
    }
    return total;
  }

  /** The stage files of a directory or zip bundle, by their names relative to the bundle. */
  interface Beside {
    /**
     * @param name a name such as {@code files/report/1/output.json}
     * @return the file's bytes
     * @throws IOException when it cannot be read
     */
    InputStream open(String name) throws IOException;
  }

  private static JsonNode json(byte[] line, String source, long lineNo, String what) {
    String text = Utf8.decodeOrNull(line, 0, line.length);
    if (text == null) {
      throw new BundleFormatException(source, lineNo, what + " is not valid UTF-8", null);
    }
    try {
      JsonNode n = JsonSupport.parse(text);
      if (!n.isObject()) {
        throw new BundleFormatException(source, lineNo, what + " is not a JSON object", null);
      }
      return n;
    } catch (IOException e) {
      throw new BundleFormatException(
          source, lineNo, what + " is not valid JSON: " + e.getMessage(), e);
    }
  }

  // ---- import
  // ------------------------------------------------------------------------------------

  /**
   * Imports a bundle file: refuses conflicts from its header, then writes it in one engine call
   * that reads the events while they are checked ({@link BundleImport}); a bundle of a run the
   * store holds is checked completely, then compared.
   *
   * @param store the target store
   * @param file the bundle
   * @param source the bundle's name for messages
   * @param force import even when the id was deleted
   * @return what happened
   */
  public static ImportResult importFile(RunStore store, Path file, String source, boolean force)
      throws IOException {
    return importFile(store, file, source, force, null);
  }

  /**
   * Imports bundle lines whose stage files may be beside them.
   *
   * @param beside the stage files of a directory or zip bundle, or null for the one-file form
   */
  static ImportResult importFile(
      RunStore store, Path file, String source, boolean force, @Nullable Beside beside)
      throws IOException {
    RunMoves moves = RunMoves.of(store);
    Header h;
    try (LineInput in = new LineInput(Files.newInputStream(file), EventLines.MAX_LINE)) {
      h = header(in, source);
    }
    RunId id = h.record().id();
    Optional<Tombstone> tomb = moves.tombstone(id);
    if (tomb.isPresent() && !force) {
      throw new RunDeletedException(tomb.get(), "imported");
    }
    Optional<RunEntry> existing = moves.engine().entry(id);
    if (existing.isPresent()) {
      try (Checked c = check(file, source, beside)) {
        String difference = difference(store, moves, existing.get(), c);
        if (difference.isEmpty()) {
          return new ImportResult(id, false, c.eventCount);
        }
        throw new ImportConflictException(
            id, "the store holds another run under this id: " + difference);
      }
    }
    Optional<RunRecord> byTrigger = moves.engine().findByTrigger(h.record().trigger().triggerId());
    if (byTrigger.isPresent()) {
      throw new ImportConflictException(
          id,
          "trigger id "
              + h.record().trigger().triggerId()
              + " already created run "
              + byTrigger.get().id());
    }
    try (BundleImport run = BundleImport.open(file, source, h, beside)) {
      moves.importRun(run);
    }
    if (tomb.isPresent()) {
      moves.engine().deleteDocument(RunMoves.TOMBSTONES, id.value());
    }
    moves.audit("imported", id, Optional.of(source));
    return new ImportResult(id, true, h.eventCount());
  }

  /** What differs between a stored run and a bundle; empty when they are the same run. */
  private static String difference(RunStore store, RunMoves moves, RunEntry e, Checked c)
      throws IOException {
    if (!RunRecordJson.encode(e.record()).equals(RunRecordJson.encode(c.record))) {
      return "the run records differ";
    }
    if (e.lastSequence() != c.head.lastSequence()) {
      return "the stored run has " + e.lastSequence() + " events, the bundle " + c.eventCount;
    }
    Optional<dev.runs.ArchivedRun> archived = moves.archived(e.id());
    String storedSha;
    if (archived.isPresent()) {
      storedSha = archived.get().eventsSha256();
    } else {
      try (EventStream events = store.read(e.id(), 0)) {
        storedSha =
            EventLines.write(e.id(), events, e.lastSequence(), OutputStream.nullOutputStream())
                .sha256();
      }
    }
    return storedSha.equals(c.eventsSha256) ? "" : "the stored events differ from the bundle's";
  }

  /** The checked bundle as the engine takes it: events read lazily from the file again. */
  static ImportedRun imported(Checked c, boolean replacesStub) {
    return imported(c, replacesStub, 1);
  }

  /**
   * @param headerLines lines before the first event (1 in a bundle, 0 in an archive's events)
   */
  static ImportedRun imported(Checked c, boolean replacesStub, int headerLines) {
    return new ImportedRun() {
      @Override
      public RunRecord record() {
        return c.record;
      }

      @Override
      public RunHead head() {
        return c.head;
      }

      @Override
      public EventStream events() {
        return encodedEvents();
      }

      @Override
      public EncodedEventStream encodedEvents() {
        try {
          LineInput in = new LineInput(Files.newInputStream(c.file), EventLines.MAX_LINE);
          for (int i = 0; i < headerLines; i++) {
            in.next();
          }
          return new EventLines.Reader(
              in,
              c.record.id(),
              headerLines + 1,
              false,
              (line, reason, cause) -> new BundleFormatException(c.source, line, reason, cause));
        } catch (IOException e) {
          throw new StoreIoException("cannot read bundle " + c.source + " again", e);
        }
      }

      @Override
      public List<StageManifest> stages() {
        return c.stages;
      }

      @Override
      public byte[] stageFile(StageManifest manifest, String path) {
        Path p = c.stageFiles.get(Checked.fileKey(manifest.stageKey(), manifest.attempt(), path));
        if (p == null) {
          throw new IllegalArgumentException("no stage file " + path + " in " + c.source);
        }
        try {
          return Files.readAllBytes(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }

      @Override
      public boolean replacesStub() {
        return replacesStub;
      }
    };
  }

  /**
   * Imports a bundle from a stream: spooled to a temporary file first, since checking needs a pass
   * before anything is written.
   *
   * @param store the target
   * @param in the bundle (not closed)
   * @param source name for messages
   * @param force import even when the id was deleted
   * @return what happened
   */
  public static ImportResult importStream(
      RunStore store, InputStream in, String source, boolean force) throws IOException {
    Path spool = Files.createTempFile("runs-bundle-in-", ".ndjson");
    try {
      Files.copy(in, spool, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      return importFile(store, spool, source, force);
    } finally {
      Files.deleteIfExists(spool);
    }
  }
}
