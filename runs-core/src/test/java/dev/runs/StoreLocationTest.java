package dev.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.spi.StoreLocation;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

final class StoreLocationTest {
  @Test
  void parse_splitsSchemeTargetAndQuery() {
    StoreLocation l = StoreLocation.parse("SQLite:runs.db?durability=normal&busy_timeout_ms=500");
    assertThat(l.scheme()).isEqualTo("sqlite");
    assertThat(l.target()).isEqualTo("runs.db");
    assertThat(l.parameters())
        .containsEntry("durability", "normal")
        .containsEntry("busy_timeout_ms", "500");
    assertThat(l.path()).isEqualTo(Path.of("runs.db"));
    assertThat(l.choice("durability", Set.of("full", "normal"), "full")).isEqualTo("normal");
    assertThat(l.longParameter("busy_timeout_ms", 0, 60_000, 1)).isEqualTo(500);
    assertThat(StoreLocation.parse("file:///tmp/runs").path()).isEqualTo(Path.of("/tmp/runs"));
    assertThat(StoreLocation.parse("memory:").target()).isEmpty();
  }

  @Test
  void parse_refusesMissingSchemeDuplicateAndUnknownParameters() {
    assertThatThrownBy(() -> StoreLocation.parse("runs.db"))
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining("no scheme");
    assertThatThrownBy(() -> StoreLocation.parse("sqlite:a?x=1&x=2"))
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining("twice");
    StoreLocation l = StoreLocation.parse("sqlite:a?durablity=full");
    assertThatThrownBy(() -> l.requireKnownParameters(Set.of("durability")))
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining("durablity")
        .hasMessageContaining("durability");
    assertThatThrownBy(
            () ->
                StoreLocation.parse("sqlite:a?durability=fast")
                    .choice("durability", Set.of("full", "normal"), "full"))
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining("fast");
    assertThatThrownBy(() -> StoreLocation.parse("sqlite:a?n=abc").longParameter("n", 0, 9, 1))
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining("integer");
    assertThatThrownBy(() -> StoreLocation.parse("file:").path())
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining("no path");
    assertThatThrownBy(() -> StoreLocation.parse("file://host/dir").path())
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining("host");
  }

  @Test
  void redacted_hidesPasswordsAndSecretParameters() {
    StoreLocation l =
        StoreLocation.parse(
            "postgres://alice:s3cr3t@db:5432/runs?schema=r&password=p4ss&api_token=t0k");
    assertThat(l.redacted())
        .isEqualTo("postgres://alice:***@db:5432/runs?schema=r&password=***&api_token=***");
    assertThat(l.toString()).doesNotContain("s3cr3t").doesNotContain("p4ss").doesNotContain("t0k");
    assertThatThrownBy(() -> StoreLocation.parse("postgres://alice:s3cr3t@db/x?a=1&a=2"))
        .hasMessageNotContaining("s3cr3t");
  }
}
