package dev.runs.internal.move;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.BundleFormatException;
import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.ImportResult;
import dev.runs.RunBundles;
import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.spi.Sha256;
import dev.runs.testsupport.TestRuns;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Imports of runs longer than one batch of the event line reader ({@link
 * EventLines.Reader#BATCH_LINES} lines), whose lines are checked on checker threads: an intact run
 * arrives whole, and a line damaged anywhere (at a batch's first line, whose hash chain link the
 * reading thread computes, or elsewhere) is refused naming that very line, with nothing written.
 */
final class BundleImportBatchesTest {
  private static final int EVENTS = EventLines.Reader.BATCH_LINES * 3 + 17;

  @TempDir Path dir;

  private static RunId run(RunStore store) {
    RunId id = TestRuns.startedRun(store);
    List<EventDraft> drafts = new ArrayList<>();
    for (int i = 0; i < EVENTS - 3; i++) {
      drafts.add(TestRuns.line(i));
    }
    store.append(id, drafts);
    store.append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
    return id;
  }

  private static byte[] export(RunStore store, RunId id) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    RunBundles.export(store, id, out);
    return out.toByteArray();
  }

  @Test
  void longRun_importsWhole_andExportsIdentically() throws IOException {
    try (RunStore source = RunStores.memory();
        RunStore target = RunStores.memory()) {
      RunId id = run(source);
      byte[] bundle = export(source, id);
      ImportResult r = RunBundles.importInto(target, Files.write(dir.resolve("b"), bundle));

      assertThat(r.imported()).isTrue();
      assertThat(r.eventCount()).isEqualTo(EVENTS);
      assertThat(eventLines(export(target, id))).isEqualTo(eventLines(bundle));
    }
  }

  /**
   * A header whose events sha256 is not the lines' is refused naming both: the hash of the lines
   * read and the header's (the message once named the hash of no bytes, from a second finish of the
   * digest).
   */
  @Test
  void headerHashDiffers_refusedNamingTheLinesHash() {
    try (RunStore source = RunStores.memory();
        RunStore target = RunStores.memory()) {
      RunId id = run(source);
      String text = new String(export(source, id), StandardCharsets.UTF_8);
      Matcher m = Pattern.compile("\"events_sha256\":\"([0-9a-f]{64})\"").matcher(text);
      assertThat(m.find()).isTrue();
      String actual = m.group(1);
      String other = Sha256.hex("other");
      // a header that is whole in itself (resealed) but promises other event lines
      byte[] bad = resealed(text.replace(actual, other)).getBytes(StandardCharsets.UTF_8);

      assertThatThrownBy(() -> RunBundles.importInto(target, write(bad)))
          .isInstanceOf(BundleFormatException.class)
          .hasMessageContaining("the event lines hash to " + actual)
          .hasMessageContaining("the header says " + other);
      assertThat(target.entry(id)).isEmpty();
    }
  }

  /** A bundle's text with its header's own hash made to match the header again. */
  private static String resealed(String bundle) {
    int end = bundle.indexOf('\n');
    String unsealed =
        bundle.substring(0, end).replaceFirst(",\"header_sha256\":\"[0-9a-f]{64}\"}$", "}");
    String sealed =
        unsealed.substring(0, unsealed.length() - 1)
            + ",\"header_sha256\":\""
            + Sha256.hex(unsealed)
            + "\"}";
    return sealed + bundle.substring(end);
  }

  /** Seeded cases: the line to damage (1-based event number) and how. */
  static Stream<long[]> damages() {
    int b = EventLines.Reader.BATCH_LINES;
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    System.out.println("BundleImportBatchesTest damages: seed " + seed);
    return Stream.concat(
            LongStream.of(2, b, b + 1, b + 2, 2L * b + 1, EVENTS - 1).boxed(),
            LongStream.generate(() -> 2 + random.nextInt(EVENTS - 2)).limit(4).boxed())
        .flatMap(n -> Stream.of(new long[] {n, 0, seed}, new long[] {n, 1, seed}));
  }

  @ParameterizedTest(name = "event {0}")
  @MethodSource("damages")
  void damagedLine_refusedNamingIt_nothingWritten(long[] c) {
    long event = c[0];
    boolean payload = c[1] == 0;
    try (RunStore source = RunStores.memory();
        RunStore target = RunStores.memory()) {
      RunId id = run(source);
      List<String> lines =
          new ArrayList<>(
              List.of(new String(export(source, id), StandardCharsets.UTF_8).split("\n", -1)));
      int index = (int) event; // line 1 is the header: event n is line n + 1, index n
      String line = lines.get(index);
      String damaged =
          payload
              ? (line.contains("\"payload\":{}") // a payload field added: breaks its chain link
                  ? line.replace("\"payload\":{}", "\"payload\":{\"x\":1}")
                  : line.replace("\"payload\":{", "\"payload\":{\"x\":1,"))
              : line.replace("\"source\":\"", "\"source\":\"x"); // a field the chain covers
      assertThat(damaged).as("case %s (seed %d)", event, c[2]).isNotEqualTo(line);
      lines.set(index, damaged);
      byte[] bad = String.join("\n", lines).getBytes(StandardCharsets.UTF_8); // ends with its "\n"

      assertThatThrownBy(() -> RunBundles.importInto(target, write(bad)))
          .as("event %d (seed %d)", event, c[2])
          .isInstanceOf(BundleFormatException.class)
          .hasMessageContaining("line " + (event + 1))
          .hasMessageContaining("nothing was imported");
      assertThat(target.entry(id)).isEmpty();
    }
  }

  private Path write(byte[] bytes) {
    try {
      return Files.write(Files.createTempFile(dir, "damaged-", ".runs.ndjson"), bytes);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static List<String> eventLines(byte[] bundle) {
    List<String> out = new ArrayList<>();
    for (String l : new String(bundle, StandardCharsets.UTF_8).split("\n", -1)) {
      if (l.startsWith("{\"schema\":\"runs.event/")) {
        out.add(l);
      }
    }
    return out;
  }
}
