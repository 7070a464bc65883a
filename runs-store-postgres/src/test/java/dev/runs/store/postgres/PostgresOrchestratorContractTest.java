package dev.runs.store.postgres;

import dev.runs.RunStore;
import dev.runs.RunStoreOptions;
import dev.runs.RunStores;
import dev.runs.testkit.OrchestratorContract;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.ExtendWith;

/** The orchestrator passes its whole contract on PostgreSQL (a fresh schema per test). */
@ExtendWith(RequiresPostgres.class)
final class PostgresOrchestratorContractTest extends OrchestratorContract {
  private static final Map<Path, String> SCHEMAS = new ConcurrentHashMap<>();

  @Override
  protected RunStore newStore(Path dir, RunStoreOptions options) {
    String schema = SCHEMAS.computeIfAbsent(dir, d -> PgTestDatabase.newSchemaName("orch"));
    return RunStores.open(PgTestDatabase.uri(schema), options);
  }

  @AfterAll
  static void dropSchemas() {
    SCHEMAS.values().forEach(PgTestDatabase::dropSchema);
    SCHEMAS.clear();
  }
}
