package dev.runs.archive.s3.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.ArchiveStore;
import dev.runs.ArchiveUnavailableException;
import dev.runs.archive.s3.internal.FaultProxy.Fault;
import dev.runs.archive.s3.internal.FaultProxy.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * The {@code s3:} archive when the network or the server misbehaves: the real SDK talks to the S3
 * test server through a {@link FaultProxy} that drops, corrupts or answers requests. The archive
 * under test goes through the proxy; {@code direct}, on the same prefix, checks what the server
 * really holds.
 */
@ExtendWith(RequiresS3.class)
final class S3ArchiveFaultIT {
  private static final String KEY = "acme/run-1/events.ndjson";

  @TempDir Path tempDir;

  private final List<ArchiveStore> opened = new ArrayList<>();
  private String prefix;
  private FaultProxy proxy;
  private S3ArchiveStore viaProxy;
  private S3ArchiveStore direct;

  @BeforeEach
  void start() throws IOException {
    prefix = S3TestServer.newPrefix("fault");
    proxy = new FaultProxy(S3TestServer.endpoint());
    viaProxy = open(S3TestServer.config(proxy.endpoint(), prefix));
    direct = open(S3TestServer.config(S3TestServer.endpoint(), prefix));
  }

  @AfterEach
  void stop() {
    opened.forEach(ArchiveStore::close);
    proxy.close();
  }

  private S3ArchiveStore open(S3Config config) {
    S3ArchiveStore a = S3ArchiveStore.open(config);
    opened.add(a);
    return a;
  }

  private static byte[] bytes(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static Optional<byte[]> read(ArchiveStore a, String key) {
    Optional<InputStream> in = a.open(key);
    if (in.isEmpty()) {
      return Optional.empty();
    }
    try (InputStream s = in.get()) {
      return Optional.of(s.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String sha256(byte[] b) throws Exception {
    return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(b));
  }

  private void assertNamesArchiveAndKey(Throwable e, String key) {
    assertThat(e)
        .hasMessageContaining("archive " + viaProxy.location() + ":")
        .hasMessageContaining(key)
        .hasMessageNotContaining(S3TestServer.SECRET);
  }

  // ---- uploads cut off
  // ---------------------------------------------------------------------------

  @Test
  void put_connectionDroppedMidUpload_throwsAndStoresNothing() {
    byte[] content = bytes(1024 * 1024, 1);
    proxy.rule(
        r -> r.isObjectRequest("PUT") ? Fault.of(Kind.CUT_REQUEST_BODY, 512 * 1024) : Fault.pass());

    assertThatThrownBy(() -> viaProxy.put(KEY, content))
        .isInstanceOf(ArchiveUnavailableException.class)
        .hasCauseInstanceOf(SdkException.class)
        .satisfies(e -> assertNamesArchiveAndKey(e, KEY));

    assertThat(proxy.objectRequests("PUT")).as("the SDK's standard retries: 3 attempts").hasSize(3);
    assertThat(direct.open(KEY)).isEmpty();
    assertThat(direct.list("")).isEmpty();
  }

  @Test
  void put_fileConnectionDroppedMidUpload_keepsTheOldObject() throws IOException {
    byte[] old = bytes(300_000, 2);
    direct.put(KEY, old);
    Path file = Files.write(tempDir.resolve("events.ndjson"), bytes(1024 * 1024, 3));
    proxy.rule(
        r -> r.isObjectRequest("PUT") ? Fault.of(Kind.CUT_REQUEST_BODY, 700_000) : Fault.pass());

    assertThatThrownBy(() -> viaProxy.put(KEY, file))
        .isInstanceOf(ArchiveUnavailableException.class)
        .satisfies(e -> assertNamesArchiveAndKey(e, KEY));

    assertThat(read(direct, KEY)).hasValueSatisfying(b -> assertThat(b).isEqualTo(old));
    assertThat(direct.list("")).containsExactly(KEY);
  }

  @Test
  void put_serverStopsMidUpload_throwsAndStoresNothing() {
    proxy.rule(
        r ->
            r.isObjectRequest("PUT")
                ? Fault.of(Kind.CUT_REQUEST_BODY_AND_STOP, 100_000)
                : Fault.pass());

    assertThatThrownBy(() -> viaProxy.put(KEY, bytes(400_000, 4)))
        .isInstanceOf(ArchiveUnavailableException.class)
        .satisfies(e -> assertNamesArchiveAndKey(e, KEY));

    assertThat(proxy.objectRequests("PUT")).as("later attempts are refused").hasSize(1);
    assertThat(direct.open(KEY)).isEmpty();
    assertThat(direct.list("")).isEmpty();
  }

  static Stream<Arguments> operations() {
    return Stream.of(
        Arguments.of("put", (Consumer<ArchiveStore>) a -> a.put(KEY, new byte[] {1, 2, 3})),
        Arguments.of("open", (Consumer<ArchiveStore>) a -> a.open(KEY)),
        Arguments.of("list", (Consumer<ArchiveStore>) a -> a.list("acme/")),
        Arguments.of("delete", (Consumer<ArchiveStore>) a -> a.delete(KEY)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("operations")
  void anyOperation_serverGone_throwsNamingArchiveAndKey(String name, Consumer<ArchiveStore> op) {
    proxy.refuseConnections();

    assertThatThrownBy(() -> op.accept(viaProxy))
        .isInstanceOf(ArchiveUnavailableException.class)
        .hasCauseInstanceOf(SdkException.class)
        .satisfies(e -> assertNamesArchiveAndKey(e, name.equals("list") ? "acme/" : KEY));
  }

  // ---- 500 answers
  // ---------------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @MethodSource("operations")
  void anyOperation_server500_retriedThenThrows(String name, Consumer<ArchiveStore> op) {
    int before = proxy.requests().size();
    proxy.rule(r -> Fault.respond(500, "InternalError"));

    assertThatThrownBy(() -> op.accept(viaProxy))
        .isInstanceOf(ArchiveUnavailableException.class)
        .hasCauseInstanceOf(SdkException.class)
        .hasMessageContaining("500 InternalError")
        .hasMessageContaining("after 3 attempts")
        .satisfies(e -> assertNamesArchiveAndKey(e, name.equals("list") ? "acme/" : KEY));

    assertThat(proxy.requests().size() - before).as("attempts").isEqualTo(3);
    assertThat(direct.list("")).isEmpty();
  }

  @Test
  void put_server500TwiceThenOk_succeedsOnTheThirdAttempt() {
    AtomicInteger puts = new AtomicInteger();
    proxy.rule(
        r ->
            r.isObjectRequest("PUT") && puts.incrementAndGet() <= 2
                ? Fault.respond(500, "InternalError")
                : Fault.pass());
    byte[] content = bytes(50_000, 5);

    viaProxy.put(KEY, content);

    assertThat(proxy.objectRequests("PUT")).hasSize(3);
    assertThat(read(direct, KEY)).hasValueSatisfying(b -> assertThat(b).isEqualTo(content));
  }

  @Test
  void put_server400_notRetried() {
    proxy.rule(r -> r.isObjectRequest("PUT") ? Fault.respond(403, "AccessDenied") : Fault.pass());

    assertThatThrownBy(() -> viaProxy.put(KEY, new byte[] {1}))
        .isInstanceOf(ArchiveUnavailableException.class)
        .hasMessageContaining("403 AccessDenied")
        .satisfies(e -> assertNamesArchiveAndKey(e, KEY));
    assertThat(proxy.objectRequests("PUT")).hasSize(1);
  }

  // ---- corrupted bodies
  // --------------------------------------------------------------------------

  @Test
  void put_bodyCorruptedOnTheWire_refusedByChecksum_storesNothing() throws Exception {
    byte[] old = bytes(1000, 6);
    direct.put(KEY, old);
    byte[] content = bytes(200_000, 7);
    proxy.rule(
        r -> r.isObjectRequest("PUT") ? Fault.of(Kind.FLIP_REQUEST_BODY, 12_345) : Fault.pass());

    assertThatThrownBy(() -> viaProxy.put(KEY, content))
        .isInstanceOf(ArchiveUnavailableException.class)
        .hasMessageContaining("400 BadDigest")
        .satisfies(e -> assertNamesArchiveAndKey(e, KEY));

    FaultProxy.Request put = proxy.objectRequests("PUT").get(0);
    assertThat(put.header("x-amz-checksum-sha256")).isEqualTo(sha256(content));
    assertThat(proxy.objectRequests("PUT")).as("a refused checksum is not retried").hasSize(1);
    assertThat(read(direct, KEY)).hasValueSatisfying(b -> assertThat(b).isEqualTo(old));
  }

  @Test
  void put_fromFile_sendsItsLengthAndSha256InAPlainBody() throws Exception {
    byte[] content = bytes(777_777, 8);
    Path file = Files.write(tempDir.resolve("f"), content);

    viaProxy.put(KEY, file);

    FaultProxy.Request put = proxy.objectRequests("PUT").get(0);
    assertThat(put.header("content-length")).isEqualTo("777777");
    assertThat(put.header("x-amz-checksum-sha256")).isEqualTo(sha256(content));
    assertThat(put.header("content-encoding")).doesNotContain("aws-chunked");
    assertThat(put.header("x-amz-trailer")).isEmpty();
    assertThat(read(direct, KEY)).hasValueSatisfying(b -> assertThat(b).isEqualTo(content));
  }

  @Test
  void open_bodyCorruptedOnTheWire_returnsWhatTheServerSent() {
    byte[] content = bytes(100_000, 9);
    direct.put(KEY, content);
    proxy.rule(
        r -> r.isObjectRequest("GET") ? Fault.of(Kind.FLIP_RESPONSE_BODY, 4242) : Fault.pass());

    byte[] got = read(viaProxy, KEY).orElseThrow();

    byte[] expected = content.clone();
    expected[4242] ^= 0x01;
    assertThat(got)
        .as("one bit differs: the archiver's sha256 check is what catches it")
        .isEqualTo(expected);
  }

  @Test
  void open_bodyCorruptedOnTheWire_withTheServersChecksum_readFails() throws Exception {
    byte[] content = bytes(100_000, 10);
    direct.put(KEY, content);
    // S3 returns the SHA-256 an object was put with (s3rver does not): the SDK then checks it
    String checksum = sha256(content);
    proxy.rule(
        r ->
            r.isObjectRequest("GET")
                ? Fault.pass().withResponseHeader("x-amz-checksum-sha256", checksum)
                : Fault.pass());
    assertThat(read(viaProxy, KEY)).hasValueSatisfying(b -> assertThat(b).isEqualTo(content));

    proxy.rule(
        r ->
            r.isObjectRequest("GET")
                ? Fault.of(Kind.FLIP_RESPONSE_BODY, 4242)
                    .withResponseHeader("x-amz-checksum-sha256", checksum)
                : Fault.pass());
    try (InputStream in = viaProxy.open(KEY).orElseThrow()) {
      assertThatThrownBy(in::readAllBytes)
          .isInstanceOf(IOException.class)
          .satisfies(e -> assertNamesArchiveAndKey(e, KEY));
    }
  }

  @Test
  void open_connectionDroppedMidDownload_readFails() throws IOException {
    direct.put(KEY, bytes(1024 * 1024, 11));
    proxy.rule(
        r -> r.isObjectRequest("GET") ? Fault.of(Kind.CUT_RESPONSE_BODY, 100_000) : Fault.pass());

    try (InputStream in = viaProxy.open(KEY).orElseThrow()) {
      assertThatThrownBy(in::readAllBytes)
          .isInstanceOf(IOException.class)
          .satisfies(e -> assertNamesArchiveAndKey(e, KEY));
    }
  }

  @Test
  void open_connectionClosedCleanlyMidDownload_readFails() throws IOException {
    direct.put(KEY, bytes(1024 * 1024, 12));
    proxy.rule(
        r -> r.isObjectRequest("GET") ? Fault.of(Kind.END_RESPONSE_BODY, 100_000) : Fault.pass());

    try (InputStream in = viaProxy.open(KEY).orElseThrow()) {
      assertThatThrownBy(in::readAllBytes)
          .isInstanceOf(IOException.class)
          .hasMessageContaining("ended after 100000 of its 1048576 bytes")
          .satisfies(e -> assertNamesArchiveAndKey(e, KEY));
    }
  }

  // ---- timeouts
  // ----------------------------------------------------------------------------------

  @Test
  void open_serverStalls_readTimeoutEndsIt() {
    S3Config base = S3TestServer.config(proxy.endpoint(), prefix);
    S3ArchiveStore impatient =
        open(
            base.withClient(
                Duration.ofSeconds(2),
                Duration.ofMillis(500),
                base.putDeadlineBase(),
                base.putBytesPerSecond(),
                2,
                base.pageSize()));
    proxy.rule(r -> r.isObjectRequest("GET") ? Fault.of(Kind.STALL, 0) : Fault.pass());
    long start = System.nanoTime();

    assertThatThrownBy(() -> impatient.open(KEY))
        .isInstanceOf(ArchiveUnavailableException.class)
        .satisfies(e -> assertNamesArchiveAndKey(e, KEY));

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
    assertThat(proxy.objectRequests("GET")).hasSize(2);
  }

  @Test
  void put_serverStalls_attemptDeadlineEndsIt() {
    S3Config base = S3TestServer.config(proxy.endpoint(), prefix);
    S3ArchiveStore impatient =
        open(
            base.withClient(
                base.connectTimeout(),
                Duration.ofSeconds(60),
                Duration.ofMillis(800),
                base.putBytesPerSecond(),
                2,
                base.pageSize()));
    proxy.rule(r -> r.isObjectRequest("PUT") ? Fault.of(Kind.STALL, 0) : Fault.pass());
    long start = System.nanoTime();

    assertThatThrownBy(() -> impatient.put(KEY, new byte[] {1, 2, 3}))
        .isInstanceOf(ArchiveUnavailableException.class)
        .satisfies(e -> assertNamesArchiveAndKey(e, KEY));

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
    assertThat(direct.open(KEY)).isEmpty();
  }
}
