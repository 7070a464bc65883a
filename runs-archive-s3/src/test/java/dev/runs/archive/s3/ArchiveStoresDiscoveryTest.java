package dev.runs.archive.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.ArchiveStore;
import dev.runs.ArchiveStores;
import dev.runs.StoreConfigurationException;
import dev.runs.archive.DirArchiveStoreProvider;
import dev.runs.spi.ArchiveStoreProvider;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opening archives by URI: with runs-archive-s3 on the class path, {@link ArchiveStores} finds both
 * the {@code dir:} and the {@code s3:} provider; without it, an {@code s3:} URI names the artifact
 * to add.
 */
final class ArchiveStoresDiscoveryTest {
  private static final String SERVICE = "META-INF/services/" + ArchiveStoreProvider.class.getName();
  private static final String SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY";

  @TempDir Path dir;

  @Test
  void serviceLoader_findsTheDirAndS3Providers() {
    List<String> found =
        ServiceLoader.load(ArchiveStoreProvider.class).stream()
            .map(p -> p.get().scheme() + "=" + p.type().getName())
            .sorted()
            .collect(Collectors.toList());
    assertThat(found)
        .containsExactly(
            "dir=" + DirArchiveStoreProvider.class.getName(),
            "s3=" + S3ArchiveStoreProvider.class.getName());
  }

  @Test
  void open_dirUri_opensADirArchive() {
    try (ArchiveStore a = ArchiveStores.open("dir:" + dir.resolve("archive"))) {
      a.put("k/1", new byte[] {1});
      assertThat(a.list("")).containsExactly("k/1");
      assertThat(a.location()).isEqualTo("dir:" + dir.resolve("archive"));
    }
  }

  @Test
  void open_s3Uri_reachesTheS3Provider() {
    // the provider's own URI check answers: it was found and chosen (no server is contacted)
    assertThatThrownBy(
            () -> ArchiveStores.open("s3://bucket/p?bogus=1&secret_access_key=" + SECRET))
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining("archive s3://bucket/p: unknown parameter bogus")
        .hasMessageNotContaining(SECRET);
  }

  @Test
  void open_unknownScheme_listsTheSchemesFound() {
    assertThatThrownBy(() -> ArchiveStores.open("gs://bucket/p"))
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining("no archive provider for scheme 'gs'")
        .hasMessageContaining("(found: [dir, s3])");
  }

  @Test
  void open_s3WithoutTheModule_namesTheArtifactToAdd() {
    ClassLoader withoutS3 = new HidingS3Provider(getClass().getClassLoader());
    assertThat(
            ServiceLoader.load(ArchiveStoreProvider.class, withoutS3).stream()
                .map(p -> p.type().getSimpleName()))
        .containsExactly("DirArchiveStoreProvider");

    assertThatThrownBy(() -> ArchiveStores.open("s3://bucket/p", withoutS3))
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining("no archive provider for scheme 's3' (found: [dir])")
        .hasMessageContaining("add dev.runs:runs-archive-s3 to the class path");
    assertThatThrownBy(
            () -> ArchiveStores.open("s3://bucket/p", List.of(new DirArchiveStoreProvider())))
        .hasMessageContaining("add dev.runs:runs-archive-s3 to the class path");
  }

  @Test
  void open_twoS3Providers_namesBoth() {
    assertThatThrownBy(
            () ->
                ArchiveStores.open(
                    "s3://bucket/p",
                    List.of(new S3ArchiveStoreProvider(), new S3ArchiveStoreProvider())))
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining("two archive providers for scheme 's3'")
        .hasMessageContaining(S3ArchiveStoreProvider.class.getName());
  }

  @Test
  void open_malformedUri_showsNoCredential() {
    assertThatThrownBy(() -> ArchiveStores.open("s3://bucket/p?secret_access_key=" + SECRET + " x"))
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining("archive URI is malformed: s3://bucket/p?***")
        .hasMessageNotContaining(SECRET)
        .satisfies(
            e -> {
              for (Throwable t = e; t != null; t = t.getCause()) {
                assertThat(String.valueOf(t.getMessage())).doesNotContain(SECRET);
              }
            });
  }

  /** Hides the services file of runs-archive-s3, as a class path without the module would. */
  private static final class HidingS3Provider extends ClassLoader {
    HidingS3Provider(ClassLoader parent) {
      super(parent);
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
      Enumeration<URL> all = super.getResources(name);
      if (!name.equals(SERVICE)) {
        return all;
      }
      List<URL> kept = new ArrayList<>();
      for (URL u : Collections.list(all)) {
        try (InputStream in = u.openStream()) {
          String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
          if (!text.contains(S3ArchiveStoreProvider.class.getName())) {
            kept.add(u);
          }
        }
      }
      return Collections.enumeration(kept);
    }
  }
}
