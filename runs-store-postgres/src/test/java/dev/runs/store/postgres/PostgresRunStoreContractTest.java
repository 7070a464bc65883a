package dev.runs.store.postgres;

import dev.runs.RunStore;
import dev.runs.RunStoreOptions;
import dev.runs.RunStores;
import dev.runs.testkit.RunStoreContract;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The whole conformance suite against PostgreSQL. Every test gets its own schema (the suite expects
 * an empty store per test; a reopen uses the same schema), all dropped at the end.
 */
@ExtendWith(RequiresPostgres.class)
final class PostgresRunStoreContractTest extends RunStoreContract {
  private static final Map<Path, String> SCHEMAS = new ConcurrentHashMap<>();

  @Override
  protected RunStore newStore(Path dir, RunStoreOptions options) {
    String schema = SCHEMAS.computeIfAbsent(dir, d -> PgTestDatabase.newSchemaName("contract"));
    return RunStores.open(PgTestDatabase.uri(schema), options);
  }

  /** Every table of the test's schema, text as UTF-8 and bytea as raw bytes. */
  @Override
  protected Optional<byte[]> rawBytes() {
    return Optional.of(PgTestDatabase.dump(SCHEMAS.get(dir)));
  }

  @AfterAll
  static void dropSchemas() {
    for (String schema : SCHEMAS.values()) {
      PgTestDatabase.dropSchema(schema);
    }
    SCHEMAS.clear();
  }
}
