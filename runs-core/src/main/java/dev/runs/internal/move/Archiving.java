package dev.runs.internal.move;

import dev.runs.ArchiveStore;
import dev.runs.ArchiveUnavailableException;
import dev.runs.ArchivedRun;
import dev.runs.HashChain;
import dev.runs.Lease;
import dev.runs.RunActiveException;
import dev.runs.RunEntry;
import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import dev.runs.RunRecord;
import dev.runs.RunStore;
import dev.runs.StageManifest;
import dev.runs.StoreCorruptedException;
import dev.runs.internal.codec.RunRecordJson;
import dev.runs.internal.codec.StageManifestJson;
import dev.runs.spi.ImportedRun;
import dev.runs.spi.RunHead;
import dev.runs.spi.Sha256;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Archiving one run and restoring it. The order is what keeps a run readable through any crash:
 * every object is written, then the manifest, then everything is read back and hashed, and only
 * then does the store swap the run for a stub, in one engine step. A restore downloads and checks
 * everything before the engine puts the run back in one step.
 */
public final class Archiving {
  private static final Duration LEASE = Duration.ofMinutes(10);

  private Archiving() {}

  /** What archiving one run did. */
  public record Outcome(
      Optional<ArchivedRun> archived, String skipReason, long events, long bytes) {}

  /**
   * Archives a terminal run.
   *
   * @param store the store
   * @param archive the archive
   * @param id the run
   * @param owner lease owner, unique to this archiver
   * @return the archive location, or why it was skipped
   */
  public static Outcome archive(RunStore store, ArchiveStore archive, RunId id, String owner)
      throws IOException {
    RunMoves moves = RunMoves.of(store);
    RunEntry entry =
        store
            .entry(id)
            .orElseThrow(() -> moves.notFound(id, new RunNotFoundException(id), "archived"));
    if (!entry.status().isTerminal()) {
      throw new RunActiveException(id, entry.status(), "archived");
    }
    if (moves.engine().stub(id).isPresent()) {
      return new Outcome(Optional.empty(), "already archived", 0, 0);
    }
    Optional<Lease> lease = store.acquireLease(id, owner, LEASE);
    if (lease.isEmpty()) {
      return new Outcome(Optional.empty(), "leased by another process", 0, 0);
    }
    if (moves.engine().stub(id).isPresent()) {
      // another archiver finished it between our first look and our lease
      store.releaseLease(id, owner);
      return new Outcome(Optional.empty(), "already archived", 0, 0);
    }
    Path tmp = Files.createTempDirectory("runs-archive-");
    try {
      String prefix = ArchiveLayout.prefix(id);
      List<ArchiveLayout.ObjectEntry> objects = new ArrayList<>();
      long bytes = 0;
      Path events = tmp.resolve(ArchiveLayout.EVENTS);
      EventLines.Written w;
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(events), 1 << 16)) {
        w =
            StoredLines.copy(
                store,
                moves,
                id,
                entry.lastSequence(),
                entry.status(),
                null,
                HashChain.genesis(entry.record()),
                out);
      }
      if (w.head().lastSequence() != entry.lastSequence()) {
        return new Outcome(Optional.empty(), "its log changed while archiving", 0, 0);
      }
      long written;
      byte[] manifest;
      try {
        byte[] run = RunRecordJson.encode(entry.record()).getBytes(StandardCharsets.UTF_8);
        bytes += put(archive, prefix, ArchiveLayout.RUN, run, objects);
        archive.put(prefix + ArchiveLayout.EVENTS, events);
        objects.add(new ArchiveLayout.ObjectEntry(ArchiveLayout.EVENTS, w.bytes(), w.sha256()));
        bytes += w.bytes();
        byte[] summary = summary(id, w).getBytes(StandardCharsets.UTF_8);
        bytes += put(archive, prefix, ArchiveLayout.SUMMARY, summary, objects);
        List<StageManifest> stages = store.stages(id);
        for (StageManifest m : stages) {
          String dir = ArchiveLayout.stageDir(m);
          for (StageManifest.Entry f : m.files()) {
            byte[] content = store.readStageFile(id, m.stageKey(), m.attempt(), f.path());
            bytes += put(archive, prefix, dir + f.path(), content, objects);
          }
          byte[] stageManifest = StageManifestJson.encode(m).getBytes(StandardCharsets.UTF_8);
          bytes +=
              put(
                  archive,
                  prefix,
                  dir + dev.runs.spi.StageIntegrity.MANIFEST,
                  stageManifest,
                  objects);
        }
        manifest =
            ArchiveLayout.encode(
                new ArchiveLayout.Manifest(id, w.head(), w.count(), w.sha256(), stages, objects));
        archive.put(prefix + ArchiveLayout.MANIFEST, manifest);
        bytes += manifest.length;
        verify(archive, prefix, manifest, objects);
        written = bytes;
      } catch (RuntimeException e) {
        throw new ArchiveUnavailableException(
            "archiving run "
                + id
                + " to "
                + archive.location()
                + " failed, the run stays in the store: "
                + e.getMessage(),
            e);
      }
      ArchivedRun where =
          new ArchivedRun(
              archive.location(), prefix, moves.options().clock().instant(), w.count(), w.sha256());
      MoveJson.Stub stub = new MoveJson.Stub(where, Sha256.hex(manifest), w.head());
      if (!moves.stubRun(id, entry.lastSequence(), stub)) {
        return new Outcome(Optional.empty(), "its log changed while archiving", 0, 0);
      }
      moves.audit("archived", id, Optional.of(archive.location() + " " + prefix));
      return new Outcome(Optional.of(where), "", w.count(), written);
    } finally {
      store.releaseLease(id, owner);
      Bundles.deleteTree(tmp);
    }
  }

  /**
   * @param store a store opened through RunStores
   * @return its clock
   */
  public static java.time.Clock clock(RunStore store) {
    return RunMoves.of(store).options().clock();
  }

  private static long put(
      ArchiveStore archive,
      String prefix,
      String key,
      byte[] content,
      List<ArchiveLayout.ObjectEntry> objects) {
    archive.put(prefix + key, content);
    objects.add(new ArchiveLayout.ObjectEntry(key, content.length, Sha256.hex(content)));
    return content.length;
  }

  /** Reads every object back and checks its size and sha256. */
  private static void verify(
      ArchiveStore archive,
      String prefix,
      byte[] manifest,
      List<ArchiveLayout.ObjectEntry> objects) {
    byte[] stored = ArchiveLayout.readAll(archive, prefix + ArchiveLayout.MANIFEST);
    if (!Sha256.hex(stored).equals(Sha256.hex(manifest))) {
      throw new ArchiveUnavailableException(
          "archive "
              + archive.location()
              + " returned a different "
              + prefix
              + ArchiveLayout.MANIFEST
              + " than was written");
    }
    for (ArchiveLayout.ObjectEntry expected : objects) {
      ArchiveLayout.ObjectEntry actual = ArchiveLayout.hash(archive, prefix, expected.key());
      if (!actual.equals(expected)) {
        throw new ArchiveUnavailableException(
            "archive "
                + archive.location()
                + " holds "
                + prefix
                + expected.key()
                + " with "
                + actual.size()
                + " bytes and sha256 "
                + actual.sha256()
                + ", but "
                + expected.size()
                + " bytes with sha256 "
                + expected.sha256()
                + " were written");
      }
    }
  }

  private static String summary(RunId id, EventLines.Written w) {
    com.fasterxml.jackson.databind.node.ObjectNode o =
        dev.runs.internal.support.JsonSupport.object();
    o.put("run_id", id.value());
    o.setAll(MoveJson.head(w.head()));
    o.put("event_count", w.count());
    o.put("events_sha256", w.sha256());
    return dev.runs.internal.support.JsonSupport.write(o);
  }

  /**
   * Brings an archived run back into the store, checked against the stub and the manifest first.
   *
   * @param store the store
   * @param archive the archive
   * @param id the run
   * @return false when the run was not archived
   */
  public static boolean restore(RunStore store, ArchiveStore archive, RunId id) throws IOException {
    RunMoves moves = RunMoves.of(store);
    Optional<MoveJson.Stub> stub = moves.stub(id);
    if (stub.isEmpty()) {
      if (moves.engine().find(id).isEmpty()) {
        throw moves.notFound(id, new RunNotFoundException(id), "restored");
      }
      return false;
    }
    RunRecord record = moves.engine().find(id).orElseThrow(() -> new RunNotFoundException(id));
    String prefix = stub.get().archived().prefix();
    byte[] manifestBytes = ArchiveLayout.readAll(archive, prefix + ArchiveLayout.MANIFEST);
    if (!Sha256.hex(manifestBytes).equals(stub.get().manifestSha256())) {
      throw new StoreCorruptedException(
          "archive "
              + archive.location()
              + " object "
              + prefix
              + ArchiveLayout.MANIFEST
              + " differs from the one archived; run "
              + id
              + " stays archived");
    }
    ArchiveLayout.Manifest manifest =
        ArchiveLayout.decode(id, manifestBytes, archive.location() + " " + prefix);
    Path tmp = Files.createTempDirectory("runs-restore-");
    try {
      Path events = tmp.resolve(ArchiveLayout.EVENTS);
      try (InputStream in = ArchiveLayout.open(archive, prefix + ArchiveLayout.EVENTS)) {
        Files.copy(in, events);
      }
      Map<String, Path> files = new HashMap<>();
      for (StageManifest m : manifest.stages()) {
        for (StageManifest.Entry f : m.files()) {
          String key = prefix + ArchiveLayout.stageDir(m) + f.path();
          Path local = tmp.resolve("f" + files.size());
          try (InputStream in = ArchiveLayout.open(archive, key)) {
            Files.copy(in, local);
          }
          byte[] content = Files.readAllBytes(local);
          if (content.length != f.size() || !Sha256.hex(content).equals(f.sha256())) {
            throw new StoreCorruptedException(
                "archive " + archive.location() + " object " + key + " differs from its manifest");
          }
          files.put(Bundles.Checked.fileKey(m.stageKey(), m.attempt(), f.path()), local);
        }
      }
      Bundles.Checked checked =
          new Bundles.Checked(
              events,
              archive.location() + " " + prefix + ArchiveLayout.EVENTS,
              record,
              stub.get().head(),
              manifest.eventCount(),
              manifest.eventsSha256(),
              manifest.stages(),
              tmp);
      checked.stageFiles.putAll(files);
      checkEvents(checked, stub.get());
      ImportedRun run = Bundles.imported(checked, true, 0);
      moves.importRun(run);
      moves.audit("restored", id, Optional.of(archive.location() + " " + prefix));
      return true;
    } finally {
      Bundles.deleteTree(tmp);
    }
  }

  /** Reads the downloaded events once, checking them line by line and against the stub. */
  private static void checkEvents(Bundles.Checked c, MoveJson.Stub stub) throws IOException {
    try (EventLines.Reader r =
        new EventLines.Reader(
            new LineInput(Files.newInputStream(c.file), EventLines.MAX_LINE),
            c.record.id(),
            1,
            true,
            (line, reason, cause) ->
                EventLines.corrupted(c.source + " line " + line + ": " + reason, cause))) {
      while (r.hasNext()) {
        r.next();
      }
      RunHead head =
          r.head().orElseThrow(() -> new StoreCorruptedException(c.source + " is empty"));
      if (r.count() != stub.archived().eventCount()
          || !r.sha256().equals(stub.archived().eventsSha256())
          || !head.equals(stub.head())) {
        throw new StoreCorruptedException(
            c.source
                + " holds "
                + r.count()
                + " events with sha256 "
                + r.sha256()
                + ", but "
                + stub.archived().eventCount()
                + " with sha256 "
                + stub.archived().eventsSha256()
                + " were archived");
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }
}
