package dev.runs.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.GapAwareTrackingToken;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.modelling.command.AggregateStreamCreationException;
import org.axonframework.modelling.command.ConcurrencyException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The peer really stores and reads back events on SQLite, so the benchmark measures real work. */
final class AxonPeerTest {
  @TempDir Path dir;

  private Path db() {
    return dir.resolve("axon.db");
  }

  @Test
  void append_thenRead_returnsEveryEventInOrderWithItsPayload() {
    try (AxonPeer peer = AxonPeer.open(db())) {
      assertThat(peer.append("run-a", 0, 1)).isEqualTo(1);
      assertThat(peer.append("run-a", 1, 256)).isEqualTo(257);
      peer.append("run-b", 0, 3);

      List<DomainEventMessage<?>> a = peer.read("run-a");

      assertThat(a).hasSize(257);
      assertThat(a)
          .extracting(DomainEventMessage::getSequenceNumber)
          .containsExactlyElementsOf(sequences(0, 257));
      assertThat(a).extracting(DomainEventMessage::getAggregateIdentifier).containsOnly("run-a");
      assertThat(a).extracting(DomainEventMessage::getType).containsOnly(AxonPeer.AGGREGATE_TYPE);
      assertThat(a.get(42).getPayload())
          .isInstanceOfSatisfying(
              AxonPeer.ConsoleLine.class,
              line -> {
                assertThat(line.stream()).isEqualTo("stdout");
                assertThat(line.i()).isEqualTo(42);
                assertThat(line.text()).hasSize(262);
              });
      assertThat(peer.read("run-b")).hasSize(3);
      assertThat(peer.read("run-none")).isEmpty();
      assertThat(peer.lastSequence("run-a")).contains(256L);
    }
  }

  @Test
  void append_isDurableInTheDatabaseFile_asRowsWithAbout300BytesOfJson() throws SQLException {
    try (AxonPeer peer = AxonPeer.open(db())) {
      peer.append("run-a", 0, 10);
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db());
        PreparedStatement st =
            c.prepareStatement(
                "SELECT count(*), min(length(payload)),"
                    + " max(length(payload)), min(payloadType) FROM DomainEventEntry"
                    + " WHERE aggregateIdentifier = 'run-a'");
        ResultSet rs = st.executeQuery()) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(10);
      assertThat(rs.getInt(2)).isBetween(280, 320);
      assertThat(rs.getInt(3)).isBetween(280, 320);
      assertThat(rs.getString(4)).isEqualTo(AxonPeer.ConsoleLine.class.getName());
    }
    try (AxonPeer reopened = AxonPeer.open(db())) {
      assertThat(reopened.read("run-a")).hasSize(10);
    }
  }

  @Test
  void connections_runInWalModeWithFullSynchronous() {
    try (AxonPeer peer = AxonPeer.open(db())) {
      assertThat(peer.pragma("journal_mode")).isEqualTo("wal");
      assertThat(peer.pragma("synchronous")).isEqualTo("2"); // FULL
    }
  }

  @Test
  void append_batchWithATakenSequence_throwsConcurrencyAndWritesNoneOfIt() {
    try (AxonPeer peer = AxonPeer.open(db())) {
      peer.append("run-a", 0, 5);
      peer.append("run-a", 10, 1);

      // rows 5..9 of this batch are free, row 10 is taken: the whole batch is one transaction
      assertThatThrownBy(() -> peer.append("run-a", 5, 10))
          .isInstanceOf(ConcurrencyException.class);
      assertThatThrownBy(() -> peer.append("run-a", 0, 1))
          .isInstanceOf(AggregateStreamCreationException.class);

      assertThat(peer.read("run-a"))
          .extracting(DomainEventMessage::getSequenceNumber)
          .containsExactly(0L, 1L, 2L, 3L, 4L, 10L);
      assertThat(peer.append("run-a", 5, 5)).isEqualTo(10); // the connection is still usable
    }
  }

  @Test
  void isDuplicateKey_otherSqlFailure_isNotAConflict() {
    assertThat(AxonPeer.isDuplicateKey(new SQLException("disk I/O error"))).isFalse();
    assertThat(AxonPeer.isDuplicateKey(new IllegalStateException("x"))).isFalse();
  }

  @ParameterizedTest(name = "queueWriters={0}")
  @ValueSource(booleans = {true, false})
  void sharedAggregate_concurrentWriters_gaplessAndNothingLost(boolean queueWriters)
      throws Exception {
    int writers = 4;
    int each = 20;
    try (AxonPeer peer = AxonPeer.open(db(), queueWriters)) {
      int lockedConflicts =
          concurrently(
              writers,
              () -> {
                int conflicts = 0;
                for (int k = 0; k < each; k++) {
                  conflicts += peer.appendLocked("locked");
                }
                return conflicts;
              });
      concurrently(
          writers,
          () -> {
            int conflicts = 0;
            for (int k = 0; k < each; k++) {
              conflicts += peer.appendWithRetry("optimistic");
            }
            return conflicts;
          });

      assertThat(lockedConflicts).isZero(); // the aggregate lock serializes them in this JVM
      assertThat(peer.read("locked"))
          .extracting(DomainEventMessage::getSequenceNumber)
          .containsExactlyElementsOf(sequences(0, (long) writers * each));
      assertThat(peer.read("optimistic"))
          .extracting(DomainEventMessage::getSequenceNumber)
          .containsExactlyElementsOf(sequences(0, (long) writers * each));
    }
  }

  @Test
  void appendLocked_anotherProcessAppended_conflictsOnceThenAppendsAfterIt() {
    try (AxonPeer one = AxonPeer.open(db(), true);
        AxonPeer other = AxonPeer.open(db(), true)) {
      assertThat(one.appendLocked("run-a")).isZero(); // 0; one caches 1 as next
      assertThat(other.appendLocked("run-a")).isZero(); // reads 0 as last, appends 1

      assertThat(one.appendLocked("run-a")).isEqualTo(1); // 1 is taken: re-read, append 2

      assertThat(one.read("run-a"))
          .extracting(DomainEventMessage::getSequenceNumber)
          .containsExactly(0L, 1L, 2L);
    }
  }

  private static int concurrently(int threads, Callable<Integer> task) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      int sum = 0;
      for (Future<Integer> f : pool.invokeAll(Collections.nCopies(threads, task))) {
        sum += f.get();
      }
      return sum;
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void rewrittenTokenStatements_emptyStore_readNoRowAsNull_thenTrackTheLog() {
    try (AxonPeer peer = AxonPeer.open(db())) {
      var engine = peer.engine();
      assertThat(engine.createTailToken()).isNull();
      assertThat(engine.createHeadToken()).isNull();
      assertThat(engine.createTokenAt(Instant.now())).isNull();
      try (Stream<? extends TrackedEventMessage<?>> none = engine.readEvents(null, false)) {
        assertThat(none).isEmpty(); // the extended gap check runs fetchTrackedEvents
      }

      peer.append("run-a", 0, 3);
      peer.append("run-b", 0, 2);

      assertThat(index(engine.createTailToken())).isZero();
      assertThat(index(engine.createHeadToken())).isEqualTo(5);
      assertThat(index(engine.createTokenAt(Instant.EPOCH))).isZero();
      assertThat(engine.createTokenAt(Instant.now().plusSeconds(3600)))
          .extracting(AxonPeerTest::index)
          .isEqualTo(5L); // nothing at or after: the head
      try (Stream<? extends TrackedEventMessage<?>> all = engine.readEvents(null, false)) {
        assertThat(
                all.map(e -> ((DomainEventMessage<?>) e).getAggregateIdentifier())
                    .collect(Collectors.toList()))
            .containsExactly("run-a", "run-a", "run-a", "run-b", "run-b");
      }
      try (Stream<? extends TrackedEventMessage<?>> after =
          engine.readEvents(engine.createHeadToken(), false)) {
        assertThat(after).isEmpty();
      }
    }
  }

  private static long index(TrackingToken token) {
    return ((GapAwareTrackingToken) token).getIndex();
  }

  private static List<Long> sequences(long from, long to) {
    List<Long> list = new ArrayList<>();
    for (long s = from; s < to; s++) {
      list.add(s);
    }
    return list;
  }
}
