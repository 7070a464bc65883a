package dev.runs.store.postgres;

import dev.runs.RunStore;
import dev.runs.RunStoreOptions;
import dev.runs.StoreConfigurationException;
import dev.runs.StoreIoException;
import dev.runs.spi.RunStoreFactory;
import dev.runs.spi.RunStoreProvider;
import dev.runs.spi.StoreLocation;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;

/**
 * The {@code postgres:} store, for several host instances sharing one PostgreSQL database.
 *
 * <p>Open it by URI, with a small built-in connection pool:
 *
 * <pre>{@code
 * RunStore store = RunStores.open("postgres://app:secret@db.internal:5432/appdb?schema=runs");
 * }</pre>
 *
 * <p>or on a host's own {@link DataSource} (its pool, its credentials):
 *
 * <pre>{@code
 * RunStore store = PostgresRunStoreProvider.open(dataSource, "runs", RunStoreOptions.defaults());
 * }</pre>
 *
 * <p>URI parameters: {@code schema} (default {@code runs}), {@code pool_size} (10), {@code
 * pool_timeout_ms} (30000), {@code connect_timeout_s} (10), {@code poll_ms} (1000, 0 to disable the
 * fallback poll for changes by other instances), {@code sslmode}, {@code application_name} (runs),
 * and {@code user}/{@code password} as an alternative to the user-info part. Credentials never
 * appear in messages or logs.
 *
 * <p>On open the store creates its schema and tables, or migrates them, under an advisory lock, so
 * instances may open a fresh database at the same time; a schema written by a newer version is
 * refused with {@link StoreConfigurationException}. Appends from any number of instances get
 * gapless sequences per run; changes by other instances reach subscribers through {@code
 * LISTEN/NOTIFY}. The {@code postgresql:} scheme is accepted as a synonym through {@link
 * PostgresqlAlias}. See {@code docs/stores/postgres.md}.
 */
public final class PostgresRunStoreProvider implements RunStoreProvider {
  /**
   * Commit lanes the store asks for unless {@link RunStoreOptions#commitLanes()} says otherwise:
   * one. A transaction that notifies holds a database-wide lock from its commit's start until the
   * commit is flushed, so notifying commits are serialized anyway; one lane gathers the largest
   * group commits.
   */
  private static final int COMMIT_LANES = 1;

  /** Creates the provider; no work happens here. */
  public PostgresRunStoreProvider() {}

  @Override
  public String scheme() {
    return "postgres";
  }

  /**
   * Opens a store from a {@code postgres://user[:password]@host[:port]/database?...} location.
   *
   * @param location the location
   * @return the open store
   * @throws StoreConfigurationException when the URI is malformed, the credentials or the database
   *     are wrong, or the schema is newer than this library (nothing modified)
   * @throws StoreIoException when the server cannot be reached
   */
  @Override
  public RunStore open(StoreLocation location) {
    Objects.requireNonNull(location, "location");
    PgConfig config = PgConfig.parse(location);
    PgPool pool = new PgPool(config);
    return start(pool, config.schema, location, config::scrub, config.pollMs, COMMIT_LANES);
  }

  /**
   * Opens a store on a host's data source. The store borrows a connection per transaction or page
   * of events and gives it back at once; it keeps one connection for its {@code LISTEN} session as
   * long as it is open. Closing the store does not close the data source.
   *
   * @param dataSource connections to the database (auto-commit is managed by the store)
   * @param schema the PostgreSQL schema to keep the tables in, e.g. {@code runs}; created if
   *     missing
   * @param options the store options
   * @return the open store
   * @throws StoreConfigurationException when the schema name is not a plain identifier or the
   *     schema is newer than this library (nothing modified)
   * @throws StoreIoException when no connection can be had
   */
  public static RunStore open(DataSource dataSource, String schema, RunStoreOptions options) {
    Objects.requireNonNull(dataSource, "dataSource");
    Objects.requireNonNull(schema, "schema");
    Objects.requireNonNull(options, "options");
    PgConfig.checkSchema(schema, "postgres:datasource");
    StoreLocation location = StoreLocation.parse("postgres:datasource?schema=" + schema, options);
    return start(
        new DataSourceSource(dataSource),
        schema,
        location,
        UnaryOperator.identity(),
        PgConfig.DEFAULT_POLL_MS,
        COMMIT_LANES);
  }

  private static RunStore start(
      ConnectionSource source,
      String schema,
      StoreLocation location,
      UnaryOperator<String> scrub,
      long pollMs,
      int lanes) {
    return RunStoreFactory.open(
        location,
        l -> {
          String where = l.redacted();
          try {
            migrate(source, schema, where, scrub);
            return new PostgresEngine(source, schema, where, scrub, pollMs, lanes);
          } catch (RuntimeException | Error e) {
            source.close();
            throw e;
          }
        });
  }

  private static void migrate(
      ConnectionSource source, String schema, String where, UnaryOperator<String> scrub) {
    Connection c;
    try {
      c = source.acquire();
    } catch (SQLException e) {
      throw openFailure(where, "connecting", e, scrub);
    }
    boolean broken = false;
    try {
      PgSchema.migrate(c, schema, where);
    } catch (SQLException e) {
      broken = PgErrors.isBroken(c, e);
      throw openFailure(where, "creating or migrating schema " + schema, e, scrub);
    } finally {
      source.release(c, broken);
    }
  }

  private static RuntimeException openFailure(
      String where, String what, SQLException e, UnaryOperator<String> scrub) {
    StoreIoException io = PgErrors.io(where, what, e, scrub);
    String state = e.getSQLState();
    if (state != null
        && (state.startsWith("28") || state.equals("3D000") || state.equals("42501"))) {
      // wrong credentials, database or privileges: the configuration, not the medium, is at fault
      return new StoreConfigurationException(String.valueOf(io.getMessage()), e);
    }
    return io;
  }

  /**
   * The same store under the {@code postgresql:} scheme, so that {@code postgresql://user@host/db}
   * opens it too. Registered beside the main provider.
   */
  public static final class PostgresqlAlias implements RunStoreProvider {
    private final PostgresRunStoreProvider delegate = new PostgresRunStoreProvider();

    /** Creates the provider; no work happens here. */
    public PostgresqlAlias() {}

    @Override
    public String scheme() {
      return "postgresql";
    }

    @Override
    public RunStore open(StoreLocation location) {
      return delegate.open(location);
    }
  }
}
