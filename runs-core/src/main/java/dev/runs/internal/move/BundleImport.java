package dev.runs.internal.move;

import dev.runs.BundleFormatException;
import dev.runs.EventStream;
import dev.runs.HashChain;
import dev.runs.RunEvent;
import dev.runs.RunRecord;
import dev.runs.StageManifest;
import dev.runs.StoreIoException;
import dev.runs.spi.EncodedEventStream;
import dev.runs.spi.ImportedRun;
import dev.runs.spi.RunHead;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A bundle imported in one pass over its events: the engine reads the event lines while they are
 * checked, each handed over with the very bytes that were checked to be its canonical envelope, so
 * every line is decoded once and never encoded again for storage. Every check of {@link
 * Bundles#check} still runs, and all of them have run before the engine receives the last event:
 * each line decodes, belongs to the run, follows the previous sequence, is canonical, is allowed by
 * the state machine and extends the hash chain; and when the line of the header's last sequence is
 * read, the lines after it are read too, so the count, the sha256 of the lines and the head are
 * compared with the header, and nothing but stage files may follow, before that last event is
 * returned. A failure throws {@link BundleFormatException} from the engine's event stream, which
 * the engine's import contract turns into nothing written.
 *
 * <p>Stage files, which follow the events, are unpacked and checked before the import starts (a
 * pass that skips the event lines without decoding them), only when the header lists any.
 *
 * <p>Not thread-safe: one import, on one thread.
 */
final class BundleImport implements ImportedRun, AutoCloseable {
  private final Path file;
  private final String source;
  private final Bundles.Header header;
  private final Bundles.Checked files;

  private BundleImport(Path file, String source, Bundles.Header header, Path unpacked) {
    this.file = file;
    this.source = source;
    this.header = header;
    this.files =
        new Bundles.Checked(
            file,
            source,
            header.record(),
            header.head(),
            header.eventCount(),
            header.eventsSha256(),
            header.stages(),
            unpacked);
  }

  /**
   * Prepares a bundle's one-pass import: unpacks and checks its stage files, if it has any.
   *
   * @param file the bundle
   * @param source its name for messages
   * @param header its header, read already
   * @param beside its stage files when they are beside the lines (directory or zip), else null
   * @return the run to hand to the engine; close it after the import
   */
  static BundleImport open(
      Path file, String source, Bundles.Header header, Bundles.@Nullable Beside beside)
      throws IOException {
    Path unpacked = Files.createTempDirectory("runs-bundle-files-");
    BundleImport b = new BundleImport(file, source, header, unpacked);
    b.files.beside = beside;
    boolean ok = false;
    try {
      if (header.stageFiles() > 0) {
        b.unpackStageFiles();
      }
      ok = true;
      return b;
    } finally {
      if (!ok) {
        b.close();
      }
    }
  }

  /** Skips the header and the event lines (undecoded), then unpacks and checks every stage line. */
  private void unpackStageFiles() throws IOException {
    Map<String, StageManifest.Entry> expected = expectedFiles(header.stages());
    try (LineInput in = new LineInput(Files.newInputStream(file), EventLines.MAX_LINE)) {
      boolean events = true;
      for (byte[] line = next(in); line != null; line = next(in)) {
        if (in.number() == 1) {
          continue; // the header
        }
        if (events && EventLines.Reader.isEventLine(line)) {
          continue; // checked by the import's pass
        }
        events = false;
        Bundles.unpackStageFile(line, in.number(), files, expected);
      }
    }
    if (!expected.isEmpty()) {
      throw new BundleFormatException(
          source, 0, "stage files listed in the manifests are missing: " + expected.keySet(), null);
    }
  }

  private byte @Nullable [] next(LineInput in) throws IOException {
    try {
      return in.next();
    } catch (LineInput.LineTooLongException e) {
      throw new BundleFormatException(source, in.number() + 1, String.valueOf(e.getMessage()), e);
    }
  }

  private static Map<String, StageManifest.Entry> expectedFiles(List<StageManifest> stages) {
    Map<String, StageManifest.Entry> expected = new HashMap<>();
    for (StageManifest m : stages) {
      for (StageManifest.Entry f : m.files()) {
        expected.put(Bundles.Checked.fileKey(m.stageKey(), m.attempt(), f.path()), f);
      }
    }
    return expected;
  }

  // ---- ImportedRun
  // -------------------------------------------------------------------------------

  @Override
  public RunRecord record() {
    return header.record();
  }

  @Override
  public RunHead head() {
    return header.head();
  }

  @Override
  public EventStream events() {
    return encodedEvents();
  }

  @Override
  public EncodedEventStream encodedEvents() {
    try {
      LineInput in = new LineInput(Files.newInputStream(file), EventLines.MAX_LINE);
      in.next(); // the header, read before
      return new Checking(in);
    } catch (IOException e) {
      throw new StoreIoException("cannot read bundle " + source + ": " + e.getMessage(), e);
    }
  }

  @Override
  public List<StageManifest> stages() {
    return header.stages();
  }

  @Override
  public byte[] stageFile(StageManifest manifest, String path) {
    Path p =
        files.stageFiles.get(
            Bundles.Checked.fileKey(manifest.stageKey(), manifest.attempt(), path));
    if (p == null) {
      throw new IllegalArgumentException("no stage file " + path + " in " + source);
    }
    try {
      return Files.readAllBytes(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public boolean replacesStub() {
    return false;
  }

  @Override
  public void close() throws IOException {
    files.close();
  }

  /**
   * The strict reader of the event lines with the hash chain checked as they go, and everything
   * about the end checked before the last event is returned.
   */
  private final class Checking implements EncodedEventStream {
    private final EventLines.Reader reader;
    private final long last = header.head().lastSequence();
    private String previous = HashChain.genesis(header.record());
    private Optional<String> chainHead = Optional.empty();
    private boolean ended;

    Checking(LineInput in) {
      reader =
          new EventLines.Reader(
              in,
              header.record().id(),
              2,
              true,
              (line, reason, cause) -> new BundleFormatException(source, line, reason, cause),
              previous,
              EventLines.Reader.defaultThreads());
    }

    @Override
    public boolean hasNext() {
      if (reader.hasNext()) {
        return true;
      }
      if (!ended) {
        end(); // fewer events than the header says: throws
      }
      return false;
    }

    @Override
    public RunEvent next() {
      RunEvent e = reader.next();
      chain(e);
      if (e.sequence() == last) {
        end();
      }
      return e;
    }

    @Override
    public byte[] envelope() {
      return reader.envelope();
    }

    /** Extends the chain by one event, as {@link HashChain#verify} does. */
    private void chain(RunEvent e) {
      Optional<String> h = e.hash();
      if (h.isEmpty()) {
        if (chainHead.isPresent()) {
          throw broken(
              e,
              "sequence "
                  + e.sequence()
                  + " has no hash although sequence "
                  + (e.sequence() - 1)
                  + " is chained: the hash was removed, or the chain was switched off");
        }
        previous = HashChain.UNCHAINED;
        return;
      }
      // the reader computed the link from the hash before, which is previous when that one held
      if (!java.util.Objects.equals(reader.link(), h.get())) {
        throw broken(
            e,
            "sequence "
                + e.sequence()
                + " does not match its hash: the event or the one before it was changed,"
                + " removed or inserted after it was written");
      }
      previous = h.get();
      chainHead = h;
    }

    private BundleFormatException broken(RunEvent e, String detail) {
      return new BundleFormatException(
          source, e.sequence() + 1, "the events' hash chain is broken: " + detail, null);
    }

    /** Reads past the last event and compares what the events were with the header. */
    private void end() {
      ended = true;
      if (reader.hasNext()) {
        throw new BundleFormatException(
            source,
            0,
            "the header says " + header.eventCount() + " events but the file holds more (padded)",
            null);
      }
      if (reader.count() != header.eventCount()) {
        throw new BundleFormatException(
            source,
            0,
            "the header says "
                + header.eventCount()
                + " events but the file holds "
                + reader.count()
                + " (truncated or padded)",
            null);
      }
      if (!reader.sha256().equals(header.eventsSha256())) {
        throw new BundleFormatException(
            source,
            0,
            "the event lines hash to "
                + reader.sha256()
                + ", the header says "
                + header.eventsSha256(),
            null);
      }
      RunHead actual = reader.head().orElseThrow();
      if (!actual.equals(header.head())) {
        throw new BundleFormatException(
            source,
            0,
            "the header's head " + header.head() + " differs from the events' " + actual,
            null);
      }
      byte[] after = reader.leftover();
      if (after != null && header.stageFiles() == 0) {
        // not a stage file of any manifest: this throws, naming the line
        try {
          Bundles.unpackStageFile(after, reader.lineNumber(), files, new HashMap<>());
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }

    @Override
    public void close() {
      reader.close();
    }
  }
}
