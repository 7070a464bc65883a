package dev.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.memory.MemoryRunStoreProvider;
import dev.runs.spi.RunStoreProvider;
import dev.runs.spi.StoreLocation;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class RunStoresTest {
  /** A second provider claiming memory:, to provoke the duplicate error. */
  public static final class OtherMemoryProvider implements RunStoreProvider {
    /** Public no-arg constructor for ServiceLoader. */
    public OtherMemoryProvider() {}

    @Override
    public String scheme() {
      return "memory";
    }

    @Override
    public RunStore open(StoreLocation location) {
      throw new UnsupportedOperationException("never opened in tests");
    }
  }

  @Test
  void memory_isFoundByServiceLoader() {
    assertThat(RunStores.availableSchemes()).contains("memory");
    try (RunStore store = RunStores.memory()) {
      assertThat(store.location()).isEqualTo("memory:");
    }
  }

  @Test
  void unknownScheme_listsWhatWasFound_andTheArtifactToAdd() {
    assertThatThrownBy(() -> RunStores.open("sqlite:runs.db"))
        .isInstanceOfSatisfying(
            NoStoreProviderException.class,
            e -> {
              assertThat(e.scheme()).isEqualTo("sqlite");
              assertThat(e.availableSchemes()).contains("memory");
            })
        .hasMessageContaining("dev.runs:runs-store-sqlite")
        .hasMessageContaining("memory");
    assertThatThrownBy(() -> RunStores.open("mongo://x"))
        .isInstanceOf(NoStoreProviderException.class)
        .hasMessageContaining("Known schemes");
  }

  @Test
  void twoProvidersForOneScheme_isAnErrorNamingBoth() {
    List<RunStoreProvider> providers =
        List.of(new MemoryRunStoreProvider(), new OtherMemoryProvider());
    assertThatThrownBy(() -> RunStores.open("memory:", RunStoreOptions.defaults(), providers))
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining(MemoryRunStoreProvider.class.getName())
        .hasMessageContaining(OtherMemoryProvider.class.getName())
        .hasMessageContaining("Keep exactly one");
  }

  @Test
  void discovery_withInjectedClassLoader_reportsDuplicatesAndBrokenProviders(@TempDir Path dir)
      throws IOException {
    Path services = dir.resolve("META-INF/services");
    Files.createDirectories(services);
    Files.writeString(
        services.resolve(RunStoreProvider.class.getName()),
        OtherMemoryProvider.class.getName() + "\ncom.example.MissingProvider\n");
    try (URLClassLoader loader =
        new URLClassLoader(new URL[] {dir.toUri().toURL()}, RunStoresTest.class.getClassLoader())) {
      assertThatThrownBy(() -> RunStores.open("memory:", RunStoreOptions.defaults(), loader))
          .isInstanceOf(StoreConfigurationException.class)
          .hasMessageContaining(OtherMemoryProvider.class.getName());
      assertThatThrownBy(() -> RunStores.open("missing:", RunStoreOptions.defaults(), loader))
          .isInstanceOf(NoStoreProviderException.class)
          .hasMessageContaining("failed to load")
          .hasCauseInstanceOf(java.util.ServiceConfigurationError.class);
    }
  }

  @Test
  void credentialsAreRedactedInErrors() {
    assertThatThrownBy(() -> RunStores.open("postgres://bob:hunter2@db/x"))
        .isInstanceOf(NoStoreProviderException.class)
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(() -> RunStores.open("memory:?password=hunter2"))
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageNotContaining("hunter2")
        .hasMessageContaining("unknown parameter");
  }
}
