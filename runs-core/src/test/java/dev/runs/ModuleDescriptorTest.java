package dev.runs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.spi.RunStoreProvider;
import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The built module descriptor of runs-core. The tests run on the class path (white-box tests share
 * the module's packages), so this reads {@code module-info.class} from the compiled classes and
 * checks what the module promises.
 */
final class ModuleDescriptorTest {
  private static ModuleDescriptor descriptor;

  @BeforeAll
  static void readDescriptor() throws IOException, URISyntaxException {
    Path classes =
        Path.of(RunStores.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    try (InputStream in = Files.newInputStream(classes.resolve("module-info.class"))) {
      descriptor = ModuleDescriptor.read(in);
    }
  }

  @Test
  void module_isNamedDevRunsCore() {
    assertThat(descriptor.name()).isEqualTo("dev.runs.core");
    assertThat(descriptor.isAutomatic()).isFalse();
    assertThat(descriptor.isOpen()).isFalse();
  }

  @Test
  void exports_exactlyTheApiPayloadAndSpiPackages_toEveryone() {
    assertThat(descriptor.exports()).allSatisfy(e -> assertThat(e.isQualified()).isFalse());
    assertThat(descriptor.exports().stream().map(ModuleDescriptor.Exports::source))
        .containsExactlyInAnyOrder("dev.runs", "dev.runs.payload", "dev.runs.spi");
    assertThat(descriptor.opens()).isEmpty();
  }

  @Test
  void requires_jacksonTransitively_slf4j_andJSpecifyOnlyAtCompileTime() {
    Map<String, Set<ModuleDescriptor.Requires.Modifier>> requires =
        descriptor.requires().stream()
            .collect(
                Collectors.toMap(
                    ModuleDescriptor.Requires::name, ModuleDescriptor.Requires::modifiers));
    assertThat(requires.get("com.fasterxml.jackson.databind"))
        .contains(ModuleDescriptor.Requires.Modifier.TRANSITIVE);
    assertThat(requires).containsKey("org.slf4j");
    assertThat(requires.get("org.jspecify")).contains(ModuleDescriptor.Requires.Modifier.STATIC);
    assertThat(requires.keySet())
        .containsExactlyInAnyOrder(
            "java.base", "com.fasterxml.jackson.databind", "org.slf4j", "org.jspecify");
  }

  @Test
  void usesTheProviderSpi_andProvidesTheMemoryStore() {
    assertThat(descriptor.uses()).containsExactly(RunStoreProvider.class.getName());
    assertThat(descriptor.provides())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.service()).isEqualTo(RunStoreProvider.class.getName());
              assertThat(p.providers()).containsExactly("dev.runs.memory.MemoryRunStoreProvider");
            });
  }
}
