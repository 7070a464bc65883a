package dev.runs.store.file;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.Lease;
import dev.runs.RunId;
import dev.runs.StoreCorruptedException;
import dev.runs.StoreIoException;
import dev.runs.ValidationException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Leases as files: {@code leases/<run id>.json}, one per leased run, replaced atomically under the
 * run's lock file. The core applies the lease rules; this class reads and does the conditional
 * write.
 *
 * <p>Thread-safe: every write holds the run's lock (in this process and across processes), and
 * checks under it that the run was not deleted meanwhile ({@link RunGone}). A lease file whose run
 * is gone (a deletion that stopped before removing it) is ignored by the engine's readers and
 * removed when the store is next opened.
 */
final class FileLeases {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Layout layout;
  private final DurableFs fs;

  FileLeases(Layout layout, DurableFs fs) {
    this.layout = layout;
    this.fs = fs;
  }

  /**
   * @param id the run
   * @return its lease, if it has one
   */
  Optional<Lease> read(RunId id) {
    return readLeaseFile(layout.leaseFile(id));
  }

  private Optional<Lease> readLeaseFile(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new StoreIoException("reading lease " + file + " failed: " + e, e);
    }
    try {
      JsonNode n = JSON.readTree(text);
      return Optional.of(
          new Lease(
              RunId.of(n.path("run_id").asText("")),
              n.path("owner").asText(""),
              Instant.parse(n.path("expires_at").asText(""))));
    } catch (JsonProcessingException
        | ValidationException
        | DateTimeParseException
        | NullPointerException e) {
      throw new StoreCorruptedException(
          file + " is not a lease: " + e.getMessage() + "; delete it to free the run", e);
    }
  }

  /**
   * Replaces the lease file under the run's lock when it still holds {@code expected}.
   *
   * @param r the run's log (its lock file is the lock)
   * @param expected the lease the file must hold
   * @param replacement the new lease, or empty to remove it
   * @return whether the lease was replaced
   * @throws RunGone when the run is no longer in its directory
   */
  boolean compareAndSet(RunLog r, Optional<Lease> expected, Optional<Lease> replacement) {
    RunId id = r.id;
    Path file = layout.leaseFile(id);
    FileLocks.Held held = r.lock();
    try {
      r.requireHereLocked();
      if (!readLeaseFile(file).equals(expected)) {
        return false;
      }
      if (replacement.isPresent()) {
        Lease l = replacement.get();
        ObjectNode n = JSON.createObjectNode();
        n.put("run_id", l.runId().value());
        n.put("owner", l.owner());
        n.put("expires_at", l.expiresAt().toString());
        fs.writeAtomically(file, (n.toString() + "\n").getBytes(StandardCharsets.UTF_8), true);
      } else if (Files.deleteIfExists(file)) {
        fs.forceDirectory(layout.leases);
      }
      return true;
    } catch (IOException e) {
      throw new StoreIoException(
          "run " + id + ": writing lease " + file + " failed: " + e + "; the lease is unchanged",
          e);
    } finally {
      held.close();
    }
  }

  /**
   * Removes the lease if {@code owner} holds it, whatever its expiry, under the run's lock.
   *
   * @param r the run's view
   * @param owner the owner whose lease to remove
   * @return true when a lease of {@code owner} was removed
   */
  boolean remove(RunLog r, String owner) {
    Path file = layout.leaseFile(r.id);
    FileLocks.Held held = r.lock();
    try {
      r.requireHereLocked();
      Optional<Lease> current = readLeaseFile(file);
      if (current.isEmpty() || !current.get().owner().equals(owner)) {
        return false;
      }
      if (Files.deleteIfExists(file)) {
        fs.forceDirectory(layout.leases);
      }
      return true;
    } catch (IOException e) {
      throw new StoreIoException(
          "run " + r.id + ": removing lease " + file + " failed: " + e + "; the lease is unchanged",
          e);
    } finally {
      held.close();
    }
  }

  /**
   * @param now the time to compare expiries with
   * @param limit the most to return
   * @return expired leases, the earliest first
   */
  List<Lease> expired(Instant now, int limit) {
    List<Lease> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(layout.leases, "*.json")) {
      for (Path p : ds) {
        if (p.getFileName().toString().startsWith(".")) {
          continue;
        }
        readLeaseFile(p).filter(l -> l.isExpired(now)).ifPresent(out::add);
      }
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new StoreIoException("listing leases in " + layout.leases + " failed: " + e, e);
    }
    out.sort(Comparator.comparing(Lease::expiresAt).thenComparing(Lease::runId));
    return out.size() > limit ? List.copyOf(out.subList(0, limit)) : out;
  }
}
