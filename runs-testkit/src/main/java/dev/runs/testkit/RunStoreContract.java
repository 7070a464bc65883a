package dev.runs.testkit;

import dev.runs.ConfigSnapshot;
import dev.runs.EventDraft;
import dev.runs.EventStream;
import dev.runs.EventTypes;
import dev.runs.Payload;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunRecord;
import dev.runs.RunStore;
import dev.runs.RunStoreOptions;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.WorkflowRef;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store conformance suite. Every store module's tests extend it and supply a factory; a
 * behaviour this suite does not check is not a promise of any store.
 *
 * <pre>{@code
 * final class SqliteRunStoreContractTest extends RunStoreContract {
 *   @Override
 *   protected RunStore newStore(Path dir, RunStoreOptions options) {
 *     return RunStores.open("sqlite:" + dir.resolve("runs.db"), options);
 *   }
 * }
 * }</pre>
 *
 * <p>{@link #newStore} is called with a fresh temporary directory for each test, and again with the
 * same directory to check that data survives a close and reopen (unless {@link #isDurable()} is
 * false). Optional features are behind capability methods; tests of a missing feature are skipped
 * with {@code assumeTrue}.
 *
 * <p>The tests are grouped by area, one file per group: {@code RunStoreCreatingKit}, {@code
 * RunStoreAppendingKit} and so on hold the tests, {@code RunStoreKit} what the groups share. Each
 * {@code @Nested} class below binds one group to this contract, so a store's subclass runs them all
 * on the store it opens, under the same display names.
 */
public abstract class RunStoreContract {

  /** The start of the kit's clock. */
  protected static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  /** Temporary directory for the store under test. */
  @TempDir protected Path dir;

  /** The clock the store runs on: advances 1 ms per read. */
  protected TestClock clock;

  /** The store under test, opened before each test and closed after. */
  protected RunStore store;

  /**
   * Opens the store under test.
   *
   * @param dir a directory the store may use (empty the first time; the same directory again for
   *     reopen tests)
   * @param options the options to open with (the kit sets a test clock)
   * @return the open store
   */
  protected abstract RunStore newStore(Path dir, RunStoreOptions options);

  /**
   * @return false for stores whose data does not survive close (the memory store)
   */
  protected boolean isDurable() {
    return true;
  }

  /**
   * The bytes the store keeps on its medium, for the redaction check. The default reads every file
   * under {@link #dir}; override for a store whose medium is elsewhere.
   *
   * @return the raw bytes, or empty when the medium cannot be inspected
   */
  protected Optional<byte[]> rawBytes() {
    if (!isDurable()) {
      return Optional.empty();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        out.write(Files.readAllBytes(p));
      }
      return Optional.of(out.toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Changes one stored event behind the store's back, as a failing disk or a hand edit would, for
   * the hash chain tests: replace the stored line of {@code sequence} with {@code edit} applied to
   * it. The contract reopens the store afterwards. The default does nothing and returns false,
   * which skips those tests; a store whose events the test can reach overrides it.
   *
   * @param id the run
   * @param sequence the event
   * @param edit turns the stored canonical line into the tampered one
   * @return whether the event was changed
   * @throws Exception when reaching the medium fails
   */
  protected boolean tamper(RunId id, long sequence, UnaryOperator<String> edit) throws Exception {
    return false;
  }

  /**
   * A {@link #tamper} for stores that keep each event's line in one text column of one row: reads
   * the line with {@code select} (parameters: run id, sequence) and writes the edited line back
   * with {@code update} (parameters: line, run id, sequence), through the caller's connection.
   *
   * @param c a connection of the test's own, not the store's
   * @param select the query returning the line
   * @param update the statement writing it
   * @param id the run
   * @param sequence the event
   * @param edit turns the stored line into the tampered one
   * @return whether one row was changed
   * @throws SQLException when the database fails
   * @throws IllegalStateException when the event has no row
   */
  protected static boolean tamperRow(
      Connection c,
      String select,
      String update,
      RunId id,
      long sequence,
      UnaryOperator<String> edit)
      throws SQLException {
    try (PreparedStatement s = c.prepareStatement(select);
        PreparedStatement u = c.prepareStatement(update)) {
      s.setString(1, id.value());
      s.setLong(2, sequence);
      String line;
      try (ResultSet rs = s.executeQuery()) {
        if (!rs.next()) {
          throw new IllegalStateException("run " + id + " has no sequence " + sequence);
        }
        line = rs.getString(1);
      }
      u.setString(1, edit.apply(line));
      u.setString(2, id.value());
      u.setLong(3, sequence);
      return u.executeUpdate() == 1;
    }
  }

  /**
   * @return options with the kit's clock
   */
  protected RunStoreOptions options() {
    return RunStoreOptions.builder().clock(clock).build();
  }

  @BeforeEach
  void openStore() {
    clock = TestClock.ticking(T0, Duration.ofMillis(1));
    store = newStore(dir, options());
  }

  @AfterEach
  void closeStore() {
    if (store != null) {
      store.close();
    }
  }

  /** Closes the store and opens it again on the same directory. */
  protected void reopen() {
    store.close();
    store = newStore(dir, options());
  }

  // ---- helpers
  // -----------------------------------------------------------------------------------

  /**
   * @return a record with a fresh trigger id
   */
  protected RunRecord record() {
    return recordBuilder().build();
  }

  /**
   * @return a builder with a fresh trigger id and a small config
   */
  protected RunRecord.Builder recordBuilder() {
    return RunRecord.builder(
        WorkflowRef.of("kit-workflow", "1"),
        ConfigSnapshot.builder().model("acme", "m-1").param("temperature", 0.2).build(),
        Trigger.of(TriggerSource.TEST, "kit-" + UUID.randomUUID(), "kit"));
  }

  /**
   * @return the id of a new run in status created
   */
  protected RunId createRun() {
    return store.create(record()).record().id();
  }

  /**
   * @return the id of a new run in status running
   */
  protected RunId startedRun() {
    RunId id = createRun();
    store.append(id, EventDraft.of(EventTypes.RUN_STARTED));
    return id;
  }

  /**
   * @param n a number for the text
   * @return a {@code console.line} draft
   */
  protected static EventDraft line(int n) {
    return EventDraft.of(
        EventTypes.CONSOLE_LINE, Payload.of(Map.of("stream", "stdout", "text", "line " + n)));
  }

  /**
   * @param store the store
   * @param id a run
   * @return all its events
   */
  protected static List<RunEvent> all(RunStore store, RunId id) {
    List<RunEvent> out = new ArrayList<>();
    try (EventStream s = store.read(id, 0)) {
      s.forEachRemaining(out::add);
    }
    return out;
  }

  // ---- the groups, each bound to this contract -------------------------------------------------

  @Nested
  @DisplayName("Creating runs")
  class Creating extends RunStoreCreatingKit {
    Creating() {
      super(RunStoreContract.this);
    }
  }

  @Nested
  @DisplayName("Appending events")
  class Appending extends RunStoreAppendingKit {
    Appending() {
      super(RunStoreContract.this);
    }
  }

  @Nested
  @DisplayName("Reading events")
  class Reading extends RunStoreReadingKit {
    Reading() {
      super(RunStoreContract.this);
    }
  }

  @Nested
  @DisplayName("Listing runs")
  class Listing extends RunStoreListingKit {
    Listing() {
      super(RunStoreContract.this);
    }
  }

  @Nested
  @DisplayName("Stage artifacts")
  class Stages extends RunStoreStagesKit {
    Stages() {
      super(RunStoreContract.this);
    }
  }

  @Nested
  @DisplayName("Leases")
  class Leases extends RunStoreLeasesKit {
    Leases() {
      super(RunStoreContract.this);
    }
  }

  @Nested
  @DisplayName("Documents")
  class Documents extends RunStoreDocumentsKit {
    Documents() {
      super(RunStoreContract.this);
    }
  }

  @Nested
  @DisplayName("Subscribing")
  class Subscribing extends RunStoreSubscribingKit {
    Subscribing() {
      super(RunStoreContract.this);
    }
  }

  @Nested
  @DisplayName("Durability")
  class Durability extends RunStoreDurabilityKit {
    Durability() {
      super(RunStoreContract.this);
    }
  }

  @Nested
  @DisplayName("Watching")
  class Watching extends RunStoreWatchingKit {
    Watching() {
      super(RunStoreContract.this);
    }
  }

  @Nested
  @DisplayName("Redaction")
  class Redaction extends RunStoreRedactionKit {
    Redaction() {
      super(RunStoreContract.this);
    }
  }

  @Nested
  @DisplayName("Hash chain")
  class Chain extends RunStoreHashChainKit {
    Chain() {
      super(RunStoreContract.this);
    }
  }

  @Nested
  @DisplayName("Hostile input")
  class HostileInput extends RunStoreHostileInputKit {
    HostileInput() {
      super(RunStoreContract.this);
    }
  }

  @Nested
  @DisplayName("Lifecycle")
  class Lifecycle extends RunStoreLifecycleKit {
    Lifecycle() {
      super(RunStoreContract.this);
    }
  }

  @Nested
  @DisplayName("Deleting runs")
  class Deleting extends RunStoreDeletingKit {
    Deleting() {
      super(RunStoreContract.this);
    }
  }

  @Nested
  @DisplayName("Bundles")
  class Bundles extends RunStoreBundlesKit {
    Bundles() {
      super(RunStoreContract.this);
    }
  }

  @Nested
  @DisplayName("Archiving")
  class Archiving extends RunStoreArchivingKit {
    Archiving() {
      super(RunStoreContract.this);
    }
  }
}
