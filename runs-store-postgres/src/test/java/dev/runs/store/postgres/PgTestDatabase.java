package dev.runs.store.postgres;

import dev.runs.spi.StoreLocation;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The PostgreSQL server the tests use: {@code RUNS_PG_URL}, by default {@code
 * postgres://postgres@127.0.0.1:5432/test}. Each test class (the contract test: each test) works in
 * a fresh schema with a random name, dropped afterwards.
 */
final class PgTestDatabase {
  static final String DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/test";
  static final String URL = urlFromEnvironment();

  private PgTestDatabase() {}

  private static String urlFromEnvironment() {
    String v = System.getenv("RUNS_PG_URL");
    return v == null || v.isBlank() ? DEFAULT_URL : v.trim();
  }

  /**
   * @return a fresh schema name, e.g. {@code t_contract_1a2b3c4d5e6f} (not created)
   */
  static String newSchemaName(String purpose) {
    byte[] b = new byte[6];
    ThreadLocalRandom.current().nextBytes(b);
    return "t_" + purpose.toLowerCase(Locale.ROOT) + "_" + HexFormat.of().formatHex(b);
  }

  /**
   * @return the store URI for a schema, with extra parameters such as {@code poll_ms=100}
   */
  static String uri(String schema, String... parameters) {
    StringBuilder sb =
        new StringBuilder(URL)
            .append(URL.contains("?") ? '&' : '?')
            .append("schema=")
            .append(schema);
    for (String p : parameters) {
      sb.append('&').append(p);
    }
    return sb.toString();
  }

  static PgConfig config() {
    return PgConfig.parse(StoreLocation.parse(URL));
  }

  /**
   * @return a plain JDBC connection to the test database (auto-commit)
   */
  static Connection connect() throws SQLException {
    PgConfig c = config();
    return DriverManager.getConnection(c.jdbcUrl, c.properties);
  }

  static void dropSchema(String schema) {
    try (Connection c = connect();
        Statement st = c.createStatement()) {
      st.execute(
          "DROP SCHEMA IF EXISTS "
              + PgSchema.quote(PgConfig.checkSchema(schema, "test"))
              + " CASCADE");
    } catch (SQLException e) {
      throw new IllegalStateException("dropping test schema " + schema + " failed", e);
    }
  }

  /**
   * Everything the store keeps in a schema, as bytes: text columns as UTF-8, bytea columns as their
   * raw bytes, so a secret stored anywhere shows up.
   */
  static byte[] dump(String schema) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (Connection c = connect()) {
      List<String> tables = new ArrayList<>();
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT table_name FROM information_schema.tables"
                  + " WHERE table_schema = ? ORDER BY 1")) {
        ps.setString(1, schema);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            tables.add(rs.getString(1));
          }
        }
      }
      for (String t : tables) {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT * FROM " + PgSchema.quote(schema) + ".\"" + t + "\"");
            ResultSet rs = ps.executeQuery()) {
          ResultSetMetaData md = rs.getMetaData();
          while (rs.next()) {
            for (int i = 1; i <= md.getColumnCount(); i++) {
              byte[] b =
                  "bytea".equals(md.getColumnTypeName(i))
                      ? rs.getBytes(i)
                      : String.valueOf(rs.getString(i)).getBytes(StandardCharsets.UTF_8);
              if (b != null) {
                out.write(b, 0, b.length);
              }
              out.write('\n');
            }
          }
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("dumping test schema " + schema + " failed", e);
    }
    return out.toByteArray();
  }

  /**
   * @return the reason the server cannot be used, or null when it answers
   */
  static String unreachableReason() {
    try (Connection c = connect();
        Statement st = c.createStatement()) {
      st.execute("SELECT 1");
      return null;
    } catch (SQLException | RuntimeException e) {
      return e.getMessage();
    }
  }
}
