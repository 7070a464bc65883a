package dev.runs.store.postgres;

import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.RunStoreOptions;
import dev.runs.RunStores;
import dev.runs.testkit.RunStoreContract;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
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

  /** Rewrites the body column of the event's row through a connection of its own. */
  @Override
  protected boolean tamper(RunId id, long sequence, UnaryOperator<String> edit) throws Exception {
    String events = "\"" + SCHEMAS.get(dir) + "\".events";
    try (Connection c = PgTestDatabase.connect()) {
      return tamperRow(
          c,
          "SELECT body FROM " + events + " WHERE run_id = ? AND seq = ?",
          "UPDATE " + events + " SET body = ? WHERE run_id = ? AND seq = ?",
          id,
          sequence,
          edit);
    }
  }

  @AfterAll
  static void dropSchemas() {
    for (String schema : SCHEMAS.values()) {
      PgTestDatabase.dropSchema(schema);
    }
    SCHEMAS.clear();
  }
}
