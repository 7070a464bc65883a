package dev.runs.internal.move;

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
import dev.runs.spi.Sha256;
import dev.runs.testsupport.TestRuns;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The directory and zip forms of a bundle on the memory store: they round-trip to the same event
 * lines and stage files as the one-file form, are told apart by content on import, import again as
 * a no-op, and every missing, extra, truncated or tampered file, and every zip entry that would
 * leave the bundle, is refused naming it, with the target store unchanged.
 */
final class BundleFormsTest {
  private static final String BIG = "files/report/1/artifacts/blobs/big.bin";

  @TempDir Path dir;

  private RunStore source;
  private RunStore target;
  private RunId id;
  private byte[] big;

  @BeforeEach
  void run() {
    source = RunStores.memory();
    target = RunStores.memory();
    id = TestRuns.startedRun(source);
    source.append(id, EventDraft.of("x.acme.note", Map.of("text", "héllo")));
    big = new byte[300_000];
    new Random(7).nextBytes(big);
    source.writeStage(
        id,
        StageWrite.of("report")
            .withInput(Payload.of(Map.of("rows", 3)))
            .withOutput(Payload.of(Map.of("ok", true)))
            .withArtifact(StageArtifact.of("blobs/big.bin", "blob", big))
            .withArtifact(StageArtifact.of("empty.txt", "text", new byte[0])));
    source.writeStage(
        id,
        StageWrite.of("load")
            .withStatus(StageWrite.Status.FAILED)
            .withInput(Payload.of(Map.of("try", 1))));
    source.writeStage(
        id, StageWrite.of("load").withAttempt(2).withOutput(Payload.of(Map.of("n", 2))));
    source.append(id, EventDraft.of(EventTypes.RUN_COMPLETED));
  }

  @AfterEach
  void close() {
    source.close();
    target.close();
  }

  private byte[] oneFile(RunStore store) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    RunBundles.export(store, id, out);
    return out.toByteArray();
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

  private Path export(RunBundles.Form form) {
    Path p = dir.resolve(form == RunBundles.Form.ZIP ? "run.zip" : "run-" + form);
    RunBundles.export(source, id, p, form);
    return p;
  }

  private void assertTargetUnchanged() {
    assertThat(target.entry(id)).isEmpty();
    assertThat(target.auditLog("", 100)).isEmpty();
  }

  // ---- round trips
  // -------------------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(RunBundles.Form.class)
  void export_importIntoFreshStore_sameEventLinesAndFiles(RunBundles.Form form) {
    Path bundle = export(form);
    ImportResult r = RunBundles.importInto(target, bundle);

    assertThat(r.imported()).isTrue();
    assertThat(r.eventCount()).isEqualTo(4);
    assertThat(eventLines(oneFile(target))).isEqualTo(eventLines(oneFile(source)));
    assertThat(oneFile(target)).hasSize(oneFile(source).length);
    assertThat(target.stages(id)).isEqualTo(source.stages(id));
    assertThat(target.readStageFile(id, "report", 1, "artifacts/blobs/big.bin")).isEqualTo(big);
    assertThat(target.readStageFile(id, "report", 1, "artifacts/empty.txt")).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(RunBundles.Form.class)
  void importAgain_isNoOp(RunBundles.Form form) {
    Path bundle = export(form);
    RunBundles.importInto(target, bundle);
    int audit = target.auditLog("", 100).size();

    ImportResult again = RunBundles.importInto(target, bundle);

    assertThat(again.imported()).isFalse();
    assertThat(target.auditLog("", 100)).hasSize(audit);
  }

  @Test
  void directory_holdsLinesNamingFilesBesideThem() throws IOException {
    Path d = export(RunBundles.Form.DIRECTORY);
    List<String> lines = Files.readAllLines(d.resolve("bundle.ndjson"));

    assertThat(eventLines(Files.readAllBytes(d.resolve("bundle.ndjson"))))
        .isEqualTo(eventLines(oneFile(source)));
    assertThat(lines.get(lines.size() - 1))
        .startsWith("{\"stage_file\":{")
        .doesNotContain("base64");
    assertThat(String.join("\n", lines)).contains("\"file\":\"" + BIG + "\"");
    assertThat(d.resolve(BIG)).hasBinaryContent(big);
    assertThat(Sha256.hex(Files.readAllBytes(d.resolve("files/load/2/output.json"))))
        .isEqualTo(source.stages(id).get(2).files().get(0).sha256());
  }

  @Test
  void zip_holdsTheDirectoryFormsEntries() throws IOException {
    Path z = export(RunBundles.Form.ZIP);
    List<String> names = new ArrayList<>();
    try (ZipFile zip = new ZipFile(z.toFile())) {
      for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
        names.add(e.nextElement().getName());
      }
      try (InputStream in = zip.getInputStream(zip.getEntry(BIG))) {
        assertThat(in.readAllBytes()).isEqualTo(big);
      }
    }
    assertThat(names.get(0)).isEqualTo("bundle.ndjson");
    assertThat(names).contains(BIG, "files/report/1/input.json", "files/load/1/input.json");
  }

  @Test
  void directoryExport_intoNonEmptyDirectory_refused() throws IOException {
    Path d = Files.createDirectories(dir.resolve("full"));
    Files.writeString(d.resolve("x"), "x");

    assertThatThrownBy(() -> RunBundles.export(source, id, d, RunBundles.Form.DIRECTORY))
        .isInstanceOf(java.io.UncheckedIOException.class)
        .hasMessageContaining(d.toString());
    assertThat(d.resolve("x")).hasContent("x");
    try (var list = Files.list(dir)) {
      assertThat(list.map(p -> p.getFileName().toString())).containsExactly("full");
    }
  }

  // ---- refusals, directory
  // -----------------------------------------------------------------------

  private void refusedDirectory(Consumer<Path> damage, String... messages) {
    Path d = export(RunBundles.Form.DIRECTORY);
    damage.accept(d);
    var thrown =
        assertThatThrownBy(() -> RunBundles.importInto(target, d))
            .isInstanceOf(BundleFormatException.class)
            .hasMessageContaining("nothing was imported");
    for (String m : messages) {
      thrown.hasMessageContaining(m);
    }
    assertTargetUnchanged();
  }

  @Test
  void directory_missingFile_refused() {
    refusedDirectory(d -> delete(d.resolve(BIG)), BIG, "missing");
  }

  @Test
  void directory_extraFile_refused() {
    refusedDirectory(
        d -> write(d.resolve("files/report/1/artifacts/extra.bin"), new byte[] {1}),
        "files/report/1/artifacts/extra.bin",
        "not a stage file of any manifest");
  }

  @Test
  void directory_truncatedFile_refused() {
    refusedDirectory(
        d -> write(d.resolve(BIG), java.util.Arrays.copyOf(big, big.length - 1)), BIG, "truncated");
  }

  @Test
  void directory_longerFile_refused() {
    refusedDirectory(
        d -> write(d.resolve(BIG), java.util.Arrays.copyOf(big, big.length + 1)), BIG, "too long");
  }

  @Test
  void directory_tamperedFile_refused() {
    byte[] tampered = big.clone();
    tampered[123_456] ^= 1;
    refusedDirectory(d -> write(d.resolve(BIG), tampered), BIG, "tampered");
  }

  @Test
  void directory_lineNamingAnotherFile_refused() {
    refusedDirectory(
        d -> {
          Path lines = d.resolve("bundle.ndjson");
          write(
              lines,
              read(lines)
                  .replace("\"file\":\"" + BIG + "\"", "\"file\":\"../" + BIG + "\"")
                  .getBytes(StandardCharsets.UTF_8));
        },
        "file is '../" + BIG + "'");
  }

  @Test
  void directory_lineWithBase64_refused() {
    refusedDirectory(
        d -> {
          Path lines = d.resolve("bundle.ndjson");
          write(
              lines,
              read(lines)
                  .replace("\"file\":\"" + BIG + "\"", "\"base64\":\"AA==\"")
                  .getBytes(StandardCharsets.UTF_8));
        },
        "base64 in a directory or zip bundle");
  }

  @Test
  void directory_withoutLines_refused() {
    refusedDirectory(d -> delete(d.resolve("bundle.ndjson")), "no bundle.ndjson");
  }

  @Test
  void oneFile_withLinesNamingFiles_refused() {
    Path d = export(RunBundles.Form.DIRECTORY);

    assertThatThrownBy(() -> RunBundles.importInto(target, d.resolve("bundle.ndjson")))
        .isInstanceOf(BundleFormatException.class)
        .hasMessageContaining("only a directory or zip bundle has");
    assertTargetUnchanged();
  }

  // ---- refusals, zip
  // -----------------------------------------------------------------------------

  /** Rewrites the exported zip: every entry through {@code edit}, then {@code extra} entries. */
  private Path rezip(ZipEdit edit, Map<String, byte[]> extra) throws IOException {
    Path z = export(RunBundles.Form.ZIP);
    Path out = dir.resolve("edited.zip");
    try (ZipFile in = new ZipFile(z.toFile());
        ZipOutputStream zos = new ZipOutputStream(Files.newOutputStream(out))) {
      for (Enumeration<? extends ZipEntry> e = in.entries(); e.hasMoreElements(); ) {
        ZipEntry entry = e.nextElement();
        byte[] bytes;
        try (InputStream s = in.getInputStream(entry)) {
          bytes = s.readAllBytes();
        }
        byte[] edited = edit.apply(entry.getName(), bytes);
        if (edited != null) {
          zos.putNextEntry(new ZipEntry(entry.getName()));
          zos.write(edited);
          zos.closeEntry();
        }
      }
      for (Map.Entry<String, byte[]> e : extra.entrySet()) {
        zos.putNextEntry(new ZipEntry(e.getKey()));
        zos.write(e.getValue());
        zos.closeEntry();
      }
    }
    return out;
  }

  interface ZipEdit {
    byte @org.jspecify.annotations.Nullable [] apply(String name, byte[] bytes);
  }

  private void refusedZip(Path zip, String... messages) {
    var thrown =
        assertThatThrownBy(() -> RunBundles.importInto(target, zip))
            .isInstanceOf(BundleFormatException.class)
            .hasMessageContaining("nothing was imported");
    for (String m : messages) {
      thrown.hasMessageContaining(m);
    }
    assertTargetUnchanged();
  }

  @Test
  void zip_rewrittenUnchanged_imports() throws IOException {
    Path z = rezip((name, bytes) -> bytes, Map.of());

    assertThat(RunBundles.importInto(target, z).imported()).isTrue();
    assertThat(eventLines(oneFile(target))).isEqualTo(eventLines(oneFile(source)));
  }

  @Test
  void zip_missingEntry_refused() throws IOException {
    refusedZip(rezip((name, bytes) -> name.equals(BIG) ? null : bytes, Map.of()), BIG, "missing");
  }

  @Test
  void zip_extraEntry_refused() throws IOException {
    refusedZip(
        rezip((name, bytes) -> bytes, Map.of("notes.txt", new byte[] {1})),
        "notes.txt",
        "not a stage file of any manifest");
  }

  @Test
  void zip_truncatedEntry_refused() throws IOException {
    refusedZip(
        rezip(
            (name, bytes) -> name.equals(BIG) ? java.util.Arrays.copyOf(bytes, 1000) : bytes,
            Map.of()),
        BIG,
        "truncated");
  }

  @Test
  void zip_tamperedEntry_refused() throws IOException {
    refusedZip(
        rezip(
            (name, bytes) -> {
              if (name.equals(BIG)) {
                bytes[0] ^= 1;
              }
              return bytes;
            },
            Map.of()),
        BIG,
        "tampered");
  }

  @Test
  void zip_entryWithDotDot_refusedAsZipSlip() throws IOException {
    refusedZip(
        rezip((name, bytes) -> bytes, Map.of("files/../../evil.sh", new byte[] {1})),
        "files/../../evil.sh",
        "leaves the bundle");
    assertThat(dir.getParent().resolve("evil.sh")).doesNotExist();
  }

  @Test
  void zip_absoluteEntry_refusedAsZipSlip() throws IOException {
    refusedZip(
        rezip((name, bytes) -> bytes, Map.of("/tmp/evil.sh", new byte[] {1})),
        "/tmp/evil.sh",
        "absolute");
  }

  @Test
  void zip_withoutLines_refused() throws IOException {
    refusedZip(
        rezip((name, bytes) -> name.equals("bundle.ndjson") ? null : bytes, Map.of()),
        "no bundle.ndjson");
  }

  @Test
  void zip_cutShort_refused() throws IOException {
    Path z = export(RunBundles.Form.ZIP);
    byte[] all = Files.readAllBytes(z);
    Path cut = Files.write(dir.resolve("cut.zip"), java.util.Arrays.copyOf(all, all.length / 2));

    refusedZip(cut, "cut.zip");
  }

  // ---- helpers
  // -----------------------------------------------------------------------------------

  private static void delete(Path p) {
    try {
      Files.delete(p);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void write(Path p, byte[] bytes) {
    try (OutputStream out = Files.newOutputStream(p)) {
      out.write(bytes);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
