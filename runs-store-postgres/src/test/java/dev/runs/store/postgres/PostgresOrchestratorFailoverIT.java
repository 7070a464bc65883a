package dev.runs.store.postgres;

import dev.runs.testkit.OrchestratorCrashContract;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Failover between instances: instance A (a child JVM) runs a multi-step workflow on PostgreSQL and
 * is killed with SIGKILL mid-step; instance B (this JVM) recovers the run as interrupted, resumes
 * and completes it, and every completed step ran exactly once overall.
 */
@ExtendWith(RequiresPostgres.class)
final class PostgresOrchestratorFailoverIT extends OrchestratorCrashContract {
  private static final List<String> SCHEMAS = new ArrayList<>();

  @Override
  protected String storeUri(Path dir) {
    String schema = PgTestDatabase.newSchemaName("failover");
    synchronized (SCHEMAS) {
      SCHEMAS.add(schema);
    }
    return PgTestDatabase.uri(schema);
  }

  @AfterAll
  static void dropSchemas() {
    synchronized (SCHEMAS) {
      SCHEMAS.forEach(PgTestDatabase::dropSchema);
      SCHEMAS.clear();
    }
  }
}
