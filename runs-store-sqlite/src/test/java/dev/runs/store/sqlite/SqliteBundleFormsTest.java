package dev.runs.store.sqlite;

import static dev.runs.store.sqlite.Fixtures.line;
import static dev.runs.store.sqlite.Fixtures.queryLong;
import static dev.runs.store.sqlite.Fixtures.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.BundleFormatException;
import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.ImportResult;
import dev.runs.Payload;
import dev.runs.RunBundles;
import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.StageArtifact;
import dev.runs.StageWrite;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The directory and zip bundle forms on the SQLite store: a run with a large artifact goes out as a
 * directory or a zip and into a fresh database, whose one-file export then has the very event lines
 * of the original's; a damaged directory or zip is refused with every table unchanged.
 */
@Timeout(120)
final class SqliteBundleFormsTest {
  private static final String BIG = "files/train/1/artifacts/model.bin";

  @TempDir Path dir;

  private final List<AutoCloseable> open = new ArrayList<>();
  private RunStore source;
  private RunId id;
  private byte[] big;

  private RunStore store(String name) {
    RunStore s = RunStores.open("sqlite:" + dir.resolve(name));
    open.add(s);
    return s;
  }

  @BeforeEach
  void run() {
    source = store("source.db");
    id = source.create(record().build()).record().id();
    source.append(id, EventDraft.of(EventTypes.RUN_STARTED));
    List<EventDraft> lines = new ArrayList<>();
    for (int i = 0; i < 1_500; i++) {
      lines.add(line("line " + i));
    }
    source.append(id, lines);
    big = new byte[2 << 20];
    new Random(11).nextBytes(big);
    source.writeStage(
        id,
        StageWrite.of("train")
            .withInput(Payload.of(Map.of("epochs", 3)))
            .withOutput(Payload.of(Map.of("loss", 0.25)))
            .withArtifact(StageArtifact.of("model.bin", "model", big)));
    source.append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private byte[] oneFile(RunStore s) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    RunBundles.export(s, id, out);
    return out.toByteArray();
  }

  /** The event lines of a one-file bundle: every line between the header and the stage files. */
  private static List<String> eventLines(byte[] bundle) {
    List<String> out = new ArrayList<>();
    for (String l : new String(bundle, StandardCharsets.UTF_8).split("\n", -1)) {
      if (l.startsWith("{\"schema\":\"runs.event/")) {
        out.add(l);
      }
    }
    return out;
  }

  private Path export(RunBundles.Form form) {
    Path p = dir.resolve(form == RunBundles.Form.ZIP ? "run.zip" : "run-bundle");
    assertThat(RunBundles.export(source, id, p, form)).isEqualTo(1_503);
    return p;
  }

  private Map<String, Long> rowCounts(String db) throws Exception {
    Map<String, Long> counts = new LinkedHashMap<>();
    for (String table : List.of("runs", "events", "stages", "stage_files", "documents")) {
      counts.put(table, queryLong(dir.resolve(db), "SELECT count(*) FROM " + table));
    }
    return counts;
  }

  @ParameterizedTest
  @EnumSource(
      value = RunBundles.Form.class,
      names = {"DIRECTORY", "ZIP"})
  void exportForm_importIntoFreshDatabase_oneFileExportHasTheOriginalsEventLines(
      RunBundles.Form form) {
    Path bundle = export(form);
    RunStore target = store("target.db");

    ImportResult r = RunBundles.importInto(target, bundle);

    assertThat(r.imported()).isTrue();
    byte[] original = oneFile(source);
    byte[] copy = oneFile(target);
    assertThat(eventLines(copy)).hasSize(1_503).isEqualTo(eventLines(original));
    assertThat(copy).hasSize(original.length);
    assertThat(target.stages(id)).isEqualTo(source.stages(id));
    assertThat(target.readStageFile(id, "train", 1, "artifacts/model.bin")).isEqualTo(big);
    assertThat(target.verify(id).ok()).isTrue();
    assertThat(RunBundles.importInto(target, bundle).imported()).as("again").isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"missing", "extra", "truncated", "tampered"})
  void damagedDirectory_refused_databaseUnchanged(String damage) throws Exception {
    Path d = export(RunBundles.Form.DIRECTORY);
    switch (damage) {
      case "missing" -> Files.delete(d.resolve(BIG));
      case "extra" -> Files.write(d.resolve("files/train/1/artifacts/extra.bin"), new byte[] {1});
      case "truncated" -> Files.write(d.resolve(BIG), Arrays.copyOf(big, big.length / 2));
      default -> {
        byte[] tampered = big.clone();
        tampered[big.length - 1] ^= 1;
        Files.write(d.resolve(BIG), tampered);
      }
    }
    RunStore target = store("target.db");
    Map<String, Long> before = rowCounts("target.db");

    assertThatThrownBy(() -> RunBundles.importInto(target, d))
        .isInstanceOf(BundleFormatException.class)
        .hasMessageContaining(damage.equals("extra") ? "extra.bin" : BIG)
        .hasMessageContaining(damage.equals("extra") ? "not a stage file" : damage)
        .hasMessageContaining("nothing was imported");
    assertThat(rowCounts("target.db")).isEqualTo(before);
    assertThat(target.entry(id)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"../escape.bin", "/etc/escape.bin", "tampered"})
  void damagedZip_refused_databaseUnchanged(String damage) throws Exception {
    Path z = export(RunBundles.Form.ZIP);
    Path edited = dir.resolve("edited.zip");
    try (ZipFile in = new ZipFile(z.toFile());
        ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(edited))) {
      for (Enumeration<? extends ZipEntry> e = in.entries(); e.hasMoreElements(); ) {
        ZipEntry entry = e.nextElement();
        byte[] bytes;
        try (InputStream s = in.getInputStream(entry)) {
          bytes = s.readAllBytes();
        }
        if (damage.equals("tampered") && entry.getName().equals(BIG)) {
          bytes[0] ^= 1;
        }
        out.putNextEntry(new ZipEntry(entry.getName()));
        out.write(bytes);
        out.closeEntry();
      }
      if (!damage.equals("tampered")) {
        out.putNextEntry(new ZipEntry(damage));
        out.write(new byte[] {1});
        out.closeEntry();
      }
    }
    RunStore target = store("target.db");
    Map<String, Long> before = rowCounts("target.db");

    assertThatThrownBy(() -> RunBundles.importInto(target, edited))
        .isInstanceOf(BundleFormatException.class)
        .hasMessageContaining(damage.equals("tampered") ? BIG : damage)
        .hasMessageContaining(damage.equals("tampered") ? "tampered" : "leaves the bundle")
        .hasMessageContaining("nothing was imported");
    assertThat(rowCounts("target.db")).isEqualTo(before);
    assertThat(target.entry(id)).isEmpty();
  }

  @Test
  void oneFileExport_stillImportsByContent() {
    Path file = dir.resolve("run" + RunBundles.SUFFIX);
    RunBundles.export(source, id, file);
    RunStore target = store("target.db");

    assertThat(RunBundles.importInto(target, file).imported()).isTrue();
    assertThat(eventLines(oneFile(target))).isEqualTo(eventLines(oneFile(source)));
  }
}
