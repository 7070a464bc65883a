package dev.runs.store.postgres;

import dev.runs.testkit.ArchiveSweepCrashContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The archive sweep crash contract against PostgreSQL: a child JVM archiving and restoring runs is
 * killed at random points, and every run stays readable and whole. One fresh schema, dropped
 * afterwards.
 */
@ExtendWith(RequiresPostgres.class)
final class PostgresArchiveSweepCrashIT extends ArchiveSweepCrashContract {
  private final String schema = PgTestDatabase.newSchemaName("sweepcrash");

  @Override
  protected String storeUri(Path dir) {
    return PgTestDatabase.uri(schema);
  }

  @AfterEach
  void dropSchema() {
    PgTestDatabase.dropSchema(schema);
  }
}
