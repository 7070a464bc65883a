package dev.runs.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.StoreConfigurationException;
import dev.runs.spi.StoreLocation;
import java.util.List;
import org.junit.jupiter.api.Test;

/** URI parsing; needs no server. */
final class PgConfigTest {
  private static PgConfig parse(String uri) {
    return PgConfig.parse(StoreLocation.parse(uri));
  }

  @Test
  void parse_fullUri_splitsCredentialsFromJdbcUrl() {
    PgConfig c =
        parse(
            "postgres://app:s%40cret+1@db.internal:6543/app%20db?schema=my_runs"
                + "&pool_size=4&pool_timeout_ms=500&poll_ms=0"
                + "&sslmode=require&application_name=svc");

    assertThat(c.jdbcUrl).isEqualTo("jdbc:postgresql://db.internal:6543/app%20db");
    assertThat(c.properties.getProperty("user")).isEqualTo("app");
    assertThat(c.properties.getProperty("password")).isEqualTo("s@cret+1");
    assertThat(c.properties.getProperty("sslmode")).isEqualTo("require");
    assertThat(c.properties.getProperty("ApplicationName")).isEqualTo("svc");
    assertThat(c.properties.getProperty("options"))
        .isEqualTo("-c default_transaction_isolation=read\\ committed");
    assertThat(c.schema).isEqualTo("my_runs");
    assertThat(c.poolSize).isEqualTo(4);
    assertThat(c.poolTimeoutMs).isEqualTo(500);
    assertThat(c.pollMs).isZero();
    assertThat(c.describe()).doesNotContain("s%40cret").contains("***");
    assertThat(c.scrub("auth failed for s@cret+1")).isEqualTo("auth failed for ***");
  }

  @Test
  void parse_minimalUri_usesDefaults() {
    PgConfig c = parse("postgresql://localhost/test");
    assertThat(c.jdbcUrl).isEqualTo("jdbc:postgresql://localhost:5432/test");
    assertThat(c.properties.getProperty("user")).isNull();
    assertThat(c.schema).isEqualTo("runs");
    assertThat(c.poolSize).isEqualTo(PgConfig.DEFAULT_POOL_SIZE);
    assertThat(c.pollMs).isEqualTo(PgConfig.DEFAULT_POLL_MS);
  }

  @Test
  void parse_ipv6HostAndUserParameter() {
    PgConfig c = parse("postgres://[::1]:5433/test?user=bob&password=pw");
    assertThat(c.jdbcUrl).isEqualTo("jdbc:postgresql://[::1]:5433/test");
    assertThat(c.properties.getProperty("user")).isEqualTo("bob");
    assertThat(c.properties.getProperty("password")).isEqualTo("pw");
  }

  @Test
  void parse_badUris_refusedNamingTheProblemWithoutThePassword() {
    record Bad(String uri, String expected) {}
    List<Bad> cases =
        List.of(
            new Bad("postgres:localhost/test", "must name a server"),
            new Bad("postgres://", "no valid host"),
            new Bad("postgres://u:pw-Secret1@/test", "no valid host"),
            new Bad("postgres://u:pw-Secret1@localhost", "names no database"),
            new Bad("postgres://u:pw-Secret1@localhost/", "names no database"),
            new Bad("postgres://u:pw-Secret1@localhost:99999/test", "port '99999'"),
            new Bad("postgres://u:pw-Secret1@localhost:abc/test", "port 'abc'"),
            new Bad("postgres://:pw-Secret1@localhost/test", "empty user name"),
            new Bad("postgres://u:pw-Secret1@local host/test", "no valid host"),
            new Bad("postgres://u:pw-Secret1@localhost/test?schema=Runs", "schema=Runs"),
            new Bad("postgres://u:pw-Secret1@localhost/test?schema=a-b", "schema=a-b"),
            new Bad("postgres://u:pw-Secret1@localhost/test?schema=" + "x".repeat(49), "1 to 48"),
            new Bad("postgres://u:pw-Secret1@localhost/test?schema=public", "reserved or shared"),
            new Bad("postgres://u:pw-Secret1@localhost/test?schema=pg_runs", "reserved or shared"),
            new Bad("postgres://u:pw-Secret1@localhost/test?pool_size=0", "pool_size=0"),
            new Bad("postgres://u:pw-Secret1@localhost/test?poll_ms=-1", "poll_ms=-1"),
            new Bad("postgres://u:pw-Secret1@localhost/test?sslmode=maybe", "sslmode=maybe"),
            new Bad("postgres://u:pw-Secret1@localhost/test?bogus=1", "unknown parameter 'bogus'"),
            new Bad("postgres://u:pw-Secret1@localhost/test?password=other", "password both"),
            new Bad("postgres://u:pw-Secret1@localhost/test?user=other", "user both"),
            new Bad("postgres://u:pw-Secret1%4@localhost/test", "malformed %-escape"));
    for (Bad b : cases) {
      assertThatThrownBy(() -> parse(b.uri()))
          .as(b.uri())
          .isInstanceOf(StoreConfigurationException.class)
          .hasMessageContaining(b.expected())
          .hasMessageNotContaining("pw-Secret1");
    }
  }
}
