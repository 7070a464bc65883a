package dev.runs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.ArchiveStore;
import dev.runs.ArchiveUnavailableException;
import dev.runs.ValidationException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The archive conformance suite: what every {@link ArchiveStore} promises. Each archive module's
 * tests extend it and supply a factory; a behaviour this suite does not check is not a promise of
 * any archive.
 *
 * <pre>{@code
 * final class DirArchiveContractTest extends ArchiveContract {
 *   @Override
 *   protected ArchiveStore newArchive(Path tempDir) {
 *     return ArchiveStores.open("dir:" + tempDir.resolve("archive"));
 *   }
 * }
 * }</pre>
 *
 * <p>{@link #newArchive} is called with a fresh temporary directory for each test, and again with
 * the same directory to check that objects survive a close and reopen: for the same directory it
 * must open the same archive (an archive elsewhere, such as a bucket, keys it by the directory or
 * by a field of the test instance). The archive starts empty.
 */
public abstract class ArchiveContract {

  /** Temporary directory of the test; given to {@link #newArchive}. */
  @TempDir protected Path tempDir;

  /** The archive under test, opened before each test and closed after. */
  protected ArchiveStore archive;

  private final List<ArchiveStore> opened = new ArrayList<>();

  /**
   * Opens the archive under test.
   *
   * @param tempDir a directory the archive may use: empty the first time, the same again for the
   *     reopen test
   * @return the open archive, empty the first time
   */
  protected abstract ArchiveStore newArchive(Path tempDir);

  /**
   * @return strings that must never show in {@link ArchiveStore#location()}, such as the secret key
   *     in the archive's URI; none by default
   */
  protected List<String> secrets() {
    return List.of();
  }

  @BeforeEach
  void openArchive() {
    archive = open();
  }

  @AfterEach
  void closeArchives() {
    for (ArchiveStore a : opened) {
      a.close();
    }
  }

  private ArchiveStore open() {
    ArchiveStore a = newArchive(tempDir);
    opened.add(a);
    return a;
  }

  // ---- helpers ---------------------------------------------------------------------------------

  /**
   * @return the object's bytes, or empty when there is none
   */
  private Optional<byte[]> read(ArchiveStore a, String key) {
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

  private Optional<byte[]> read(String key) {
    return read(archive, key);
  }

  /**
   * @return {@code size} bytes that differ from those of another seed
   */
  static byte[] bytes(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  private Path file(String name, byte[] content) {
    try {
      Path dir = Files.createDirectories(tempDir.resolve("sources"));
      return Files.write(dir.resolve(name), content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Stream<String> badKeys() {
    return Stream.of(
        "",
        "/escape",
        "escape/",
        "a//escape",
        "./escape",
        "a/./escape",
        "../escape",
        "a/../../escape",
        "..",
        ".",
        "a\\escape",
        "a\u0000escape",
        "a\nescape",
        "a\u007fescape",
        "escape" + "x".repeat(1019));
  }

  // ---- the groups
  // --------------------------------------------------------------------------------

  /** Writing and reading objects. */
  @Nested
  @DisplayName("Put and open")
  class PutAndOpen {
    @Test
    @DisplayName("an object put from bytes reads back the same bytes")
    void put_bytes_openReturnsThem() {
      byte[] content = "{\"run\":1}".getBytes(StandardCharsets.UTF_8);
      archive.put("acme/run-1/run.json", content);
      assertThat(read("acme/run-1/run.json"))
          .hasValueSatisfying(b -> assertThat(b).isEqualTo(content));
    }

    @Test
    @DisplayName("an object put from a file reads back the file's bytes; the file stays")
    void put_file_openReturnsItsBytes() {
      byte[] content = bytes(10_000, 1);
      Path source = file("events.ndjson", content);
      archive.put("acme/run-1/events.ndjson", source);
      assertThat(read("acme/run-1/events.ndjson"))
          .hasValueSatisfying(b -> assertThat(b).isEqualTo(content));
      assertThat(source).exists().hasBinaryContent(content);
    }

    @Test
    @DisplayName("an empty object, from bytes or from a file, reads back empty")
    void put_empty_roundTrips() {
      archive.put("e/bytes", new byte[0]);
      archive.put("e/file", file("empty", new byte[0]));
      assertThat(read("e/bytes")).hasValueSatisfying(b -> assertThat(b).isEmpty());
      assertThat(read("e/file")).hasValueSatisfying(b -> assertThat(b).isEmpty());
      assertThat(archive.list("e/")).containsExactly("e/bytes", "e/file");
    }

    @Test
    @DisplayName("5 MB from a file and from bytes read back whole")
    void put_fiveMegabytes_roundTrips() {
      byte[] a = bytes(5 * 1024 * 1024, 2);
      byte[] b = bytes(5 * 1024 * 1024 + 7, 3);
      archive.put("big/a", file("a", a));
      archive.put("big/b", b);
      assertThat(read("big/a")).hasValueSatisfying(x -> assertThat(x).isEqualTo(a));
      assertThat(read("big/b")).hasValueSatisfying(x -> assertThat(x).isEqualTo(b));
    }

    @Test
    @DisplayName("a put replaces the object under the key, shorter or longer")
    void put_existingKey_replaces() {
      archive.put("k/obj", bytes(4000, 4));
      byte[] shorter = bytes(10, 5);
      archive.put("k/obj", shorter);
      assertThat(read("k/obj")).hasValueSatisfying(b -> assertThat(b).isEqualTo(shorter));
      byte[] longer = bytes(9000, 6);
      archive.put("k/obj", file("longer", longer));
      assertThat(read("k/obj")).hasValueSatisfying(b -> assertThat(b).isEqualTo(longer));
      assertThat(archive.list("")).containsExactly("k/obj");
    }

    @Test
    @DisplayName("changing the caller's array after a put does not change the object")
    void put_bytes_keepsNoReferenceToTheArray() {
      byte[] content = bytes(100, 7);
      byte[] copy = content.clone();
      archive.put("k/copy", content);
      Arrays.fill(content, (byte) 0);
      assertThat(read("k/copy")).hasValueSatisfying(b -> assertThat(b).isEqualTo(copy));
    }

    @Test
    @DisplayName("open of a key with no object is empty")
    void open_missingKey_isEmpty() {
      archive.put("present/a", new byte[] {1});
      assertThat(archive.open("present/b")).isEmpty();
      assertThat(archive.open("absent/a")).isEmpty();
      assertThat(archive.open("present")).isEmpty();
    }

    @Test
    @DisplayName("a stream closed before its end leaves the archive working")
    void open_closedEarly_archiveStillWorks() throws IOException {
      archive.put("s/big", bytes(2 * 1024 * 1024, 8));
      for (int i = 0; i < 5; i++) {
        try (InputStream in = archive.open("s/big").orElseThrow()) {
          assertThat(in.read(new byte[100])).isPositive();
        }
      }
      archive.put("s/after", new byte[] {42});
      assertThat(read("s/after")).hasValueSatisfying(b -> assertThat(b).containsExactly(42));
    }

    @Test
    @DisplayName("keys may hold spaces, plus signs, percent signs and non-ASCII letters")
    void put_unusualCharacters_roundTrip() {
      List<String> keys =
          List.of(
              "ns/run 1/a b.json", "ns/run+1/a+b", "ns/run%201/100%", "ns/été/日本語.txt", "ns/a=b&c");
      for (String k : keys) {
        archive.put(k, k.getBytes(StandardCharsets.UTF_8));
      }
      for (String k : keys) {
        assertThat(read(k))
            .as(k)
            .hasValueSatisfying(
                b -> assertThat(new String(b, StandardCharsets.UTF_8)).isEqualTo(k));
      }
      List<String> sorted = new ArrayList<>(keys);
      Collections.sort(sorted);
      assertThat(archive.list("ns/")).containsExactlyElementsOf(sorted);
    }

    @Test
    @DisplayName("a put from a file that cannot be read fails and writes nothing")
    void put_missingFile_throwsAndWritesNothing() {
      archive.put("k/old", new byte[] {1, 2, 3});
      Path missing = tempDir.resolve("no-such-file");
      assertThatThrownBy(() -> archive.put("k/new", missing))
          .isInstanceOf(ArchiveUnavailableException.class)
          .hasMessageContaining(archive.location())
          .hasMessageContaining("k/new");
      assertThatThrownBy(() -> archive.put("k/old", missing))
          .isInstanceOf(ArchiveUnavailableException.class);
      assertThat(archive.open("k/new")).isEmpty();
      assertThat(read("k/old")).hasValueSatisfying(b -> assertThat(b).containsExactly(1, 2, 3));
      assertThat(archive.list("")).containsExactly("k/old");
    }

    @Test
    @DisplayName("null arguments are refused with NullPointerException")
    @SuppressWarnings("NullAway") // passes null on purpose
    void nulls_refused() {
      assertThatThrownBy(() -> archive.put(null, new byte[0]))
          .isInstanceOf(NullPointerException.class);
      assertThatThrownBy(() -> archive.put("k/a", (byte[]) null))
          .isInstanceOf(NullPointerException.class);
      assertThatThrownBy(() -> archive.put("k/a", (Path) null))
          .isInstanceOf(NullPointerException.class);
      assertThatThrownBy(() -> archive.open(null)).isInstanceOf(NullPointerException.class);
      assertThatThrownBy(() -> archive.list(null)).isInstanceOf(NullPointerException.class);
      assertThatThrownBy(() -> archive.delete(null)).isInstanceOf(NullPointerException.class);
      assertThat(archive.list("")).isEmpty();
    }

    @Test
    @DisplayName("objects survive closing the archive and opening it again")
    void reopen_seesObjects() {
      byte[] content = bytes(1000, 9);
      archive.put("r/obj", content);
      archive.close();
      ArchiveStore again = open();
      assertThat(read(again, "r/obj")).hasValueSatisfying(b -> assertThat(b).isEqualTo(content));
      assertThat(again.list("")).containsExactly("r/obj");
    }
  }

  /** Listing keys. */
  @Nested
  @DisplayName("List")
  class Listing {
    @Test
    @DisplayName("lists every key, sorted, whatever the order of the puts")
    void list_all_sorted() {
      List<String> keys =
          new ArrayList<>(
              List.of(
                  "b/2", "a/1", "a/b/c/d", "c", "a/10", "a/2", "b/1", "A/upper", "a/1x", "z/z/z"));
      Collections.shuffle(keys, new Random(10));
      for (String k : keys) {
        archive.put(k, k.getBytes(StandardCharsets.UTF_8));
      }
      Collections.sort(keys);
      assertThat(archive.list("")).containsExactlyElementsOf(keys);
    }

    @Test
    @DisplayName("a prefix lists the keys under it, nested ones included, and nothing else")
    void list_prefix_onlyKeysUnderIt() {
      for (String k : List.of("a/1", "a/2", "a/sub/3", "ab/4", "b/5", "a.txt")) {
        archive.put(k, new byte[] {1});
      }
      assertThat(archive.list("a/")).containsExactly("a/1", "a/2", "a/sub/3");
      assertThat(archive.list("a/sub/")).containsExactly("a/sub/3");
      assertThat(archive.list("ab/")).containsExactly("ab/4");
      assertThat(archive.list("nothing/")).isEmpty();
      assertThat(archive.list("a/sub/deeper/")).isEmpty();
    }

    @Test
    @DisplayName("an empty archive lists nothing")
    void list_empty_isEmpty() {
      assertThat(archive.list("")).isEmpty();
      assertThat(archive.list("a/")).isEmpty();
    }

    @Test
    @DisplayName("lists many keys (more than fit a small page)")
    void list_manyKeys_all() {
      List<String> keys = new ArrayList<>();
      for (int i = 0; i < 120; i++) {
        keys.add(String.format("many/k-%03d", i));
      }
      for (String k : keys) {
        archive.put(k, new byte[] {(byte) k.hashCode()});
      }
      assertThat(archive.list("many/")).containsExactlyElementsOf(keys);
    }

    @Test
    @DisplayName("after puts, replaces, failed puts and deletes, only whole objects are listed")
    void list_afterWrites_noTemporaryObjects() {
      archive.put("w/a", bytes(3000, 11));
      archive.put("w/a", bytes(5, 12));
      archive.put("w/b", file("b", bytes(70_000, 13)));
      archive.put("w/c", new byte[0]);
      archive.delete("w/c");
      assertThatThrownBy(() -> archive.put("w/d", tempDir.resolve("missing")))
          .isInstanceOf(ArchiveUnavailableException.class);
      assertThat(archive.list("")).containsExactly("w/a", "w/b");
    }

    @Test
    @DisplayName("the list is a snapshot the caller cannot break")
    void list_result_isImmutableOrIndependent() {
      archive.put("i/a", new byte[] {1});
      List<String> first = archive.list("");
      try {
        first.add("i/injected");
      } catch (UnsupportedOperationException expected) {
        // an unmodifiable list is fine too
      }
      assertThat(archive.list("")).containsExactly("i/a");
    }

    @ParameterizedTest
    @MethodSource("dev.runs.testkit.ArchiveContract#badPrefixes")
    @DisplayName("a prefix that is no key path is refused")
    void list_badPrefix_throwsValidation(String prefix) {
      assertThatThrownBy(() -> archive.list(prefix)).isInstanceOf(ValidationException.class);
    }
  }

  static Stream<String> badPrefixes() {
    return Stream.of("../", "/", "a//", "a/../", "./", "a\\b/");
  }

  /** Removing objects. */
  @Nested
  @DisplayName("Delete")
  class Deleting {
    @Test
    @DisplayName("a delete removes the object and nothing else")
    void delete_removesOnlyThatObject() {
      archive.put("d/a", new byte[] {1});
      archive.put("d/ab", new byte[] {2});
      archive.put("d/b/a", new byte[] {3});
      archive.delete("d/a");
      assertThat(archive.open("d/a")).isEmpty();
      assertThat(archive.list("")).containsExactly("d/ab", "d/b/a");
    }

    @Test
    @DisplayName("deleting a missing object, or the same object twice, does nothing")
    void delete_isIdempotent() {
      assertThatCode(() -> archive.delete("d/never")).doesNotThrowAnyException();
      archive.put("d/once", new byte[] {1});
      archive.delete("d/once");
      assertThatCode(() -> archive.delete("d/once")).doesNotThrowAnyException();
      assertThat(archive.list("")).isEmpty();
    }

    @Test
    @DisplayName("a key can be put again after a delete")
    void delete_thenPut_works() {
      archive.put("d/again", new byte[] {1});
      archive.delete("d/again");
      archive.put("d/again", new byte[] {2});
      assertThat(read("d/again")).hasValueSatisfying(b -> assertThat(b).containsExactly(2));
    }
  }

  /** Keys that break {@link ArchiveStore#checkKey}. */
  @Nested
  @DisplayName("Bad keys")
  class BadKeys {
    @ParameterizedTest
    @MethodSource("dev.runs.testkit.ArchiveContract#badKeys")
    @DisplayName("every method refuses the key with ValidationException and writes nothing")
    void badKey_refusedEverywhere_nothingWritten(String key) throws IOException {
      Path source = file("source", new byte[] {1, 2, 3});
      assertThatThrownBy(() -> archive.put(key, new byte[] {1}))
          .isInstanceOf(ValidationException.class);
      assertThatThrownBy(() -> archive.put(key, source)).isInstanceOf(ValidationException.class);
      assertThatThrownBy(() -> archive.open(key)).isInstanceOf(ValidationException.class);
      assertThatThrownBy(() -> archive.delete(key)).isInstanceOf(ValidationException.class);
      assertThat(archive.list("")).isEmpty();
      try (Stream<Path> files = Files.walk(tempDir)) {
        assertThat(files.filter(p -> p.getFileName().toString().contains("escape")))
            .as("files named after the refused key")
            .isEmpty();
      }
    }

    @Test
    @DisplayName("a key of 1,024 characters is fine; one more is refused")
    void key_lengthLimit() {
      // short segments: a file system refuses names over 255 bytes long
      String longest = "k/" + "abcdefghi/".repeat(102) + "xx";
      archive.put(longest, new byte[] {1});
      assertThat(read(longest)).isPresent();
      assertThatThrownBy(() -> archive.put(longest + "x", new byte[] {1}))
          .isInstanceOf(ValidationException.class);
      assertThat(archive.list("")).containsExactly(longest);
    }
  }

  /** Several threads on one archive. */
  @Nested
  @DisplayName("Concurrency")
  class Concurrency {
    @Test
    @DisplayName("concurrent puts to one key leave one whole object, not a mix")
    void concurrentPuts_oneKey_leaveOneWholeObject() throws Exception {
      int writers = 8;
      List<byte[]> contents = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        contents.add(bytes(64 * 1024 * (i + 1), 100 + i));
      }
      runTogether(
          writers,
          i -> {
            if (i % 2 == 0) {
              archive.put("c/same", contents.get(i));
            } else {
              archive.put("c/same", file("w" + i, contents.get(i)));
            }
          });
      byte[] stored = read("c/same").orElseThrow();
      assertThat(contents).anySatisfy(c -> assertThat(stored).isEqualTo(c));
      assertThat(archive.list("")).containsExactly("c/same");
    }

    @Test
    @DisplayName("concurrent puts to different keys all land")
    void concurrentPuts_differentKeys_allLand() throws Exception {
      int writers = 12;
      runTogether(writers, i -> archive.put("c/k" + i, bytes(10_000, 200 + i)));
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        expected.add("c/k" + i);
        assertThat(read("c/k" + i)).hasValueSatisfying(b -> assertThat(b).hasSize(10_000));
      }
      Collections.sort(expected);
      assertThat(archive.list("c/")).containsExactlyElementsOf(expected);
    }
  }

  private interface Task {
    void run(int i) throws Exception;
  }

  private static void runTogether(int n, Task task) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Void>> done = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int index = i;
        Callable<Void> c =
            () -> {
              start.await();
              task.run(index);
              return null;
            };
        done.add(pool.submit(c));
      }
      start.countDown();
      for (Future<Void> f : done) {
        f.get(2, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** The archive's name and its end. */
  @Nested
  @DisplayName("Location and close")
  class LocationAndClose {
    @Test
    @DisplayName("location() names the archive and holds no credential")
    void location_hasNoCredentials() {
      String location = archive.location();
      assertThat(location).isNotBlank().doesNotContain("@").doesNotContain("?");
      for (String secret : secrets()) {
        assertThat(location).doesNotContain(secret);
        assertThat(archive.toString()).doesNotContain(secret);
      }
      assertThat(archive.location()).isEqualTo(location);
    }

    @Test
    @DisplayName("close is idempotent, and location() still answers after it")
    void close_isIdempotent() {
      String location = archive.location();
      archive.close();
      assertThatCode(archive::close).doesNotThrowAnyException();
      assertThat(archive.location()).isEqualTo(location);
    }

    @Test
    @DisplayName("after close, every other method throws IllegalStateException")
    void afterClose_methodsThrowIllegalState() {
      archive.put("x/kept", new byte[] {1});
      Path source = file("after-close", new byte[] {1});
      archive.close();
      assertThatThrownBy(() -> archive.put("x/a", new byte[] {1}))
          .isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> archive.put("x/a", source))
          .isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> archive.open("x/kept")).isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> archive.list("")).isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> archive.delete("x/kept")).isInstanceOf(IllegalStateException.class);
      ArchiveStore again = open();
      assertThat(again.list("")).containsExactly("x/kept");
    }
  }
}
