package dev.runs.store.postgres;

import dev.runs.StoreConfigurationException;
import dev.runs.spi.StoreLocation;
import java.io.ByteArrayOutputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A {@code postgres://user[:password]@host[:port]/database?schema=runs&...} URI turned into what
 * the driver and the engine need: a JDBC URL without credentials, the connection properties (user
 * and password live only here), the schema and the tuning parameters. Never logged: {@link
 * #describe()} is the redacted URI.
 */
final class PgConfig {
  static final String DEFAULT_SCHEMA = "runs";
  static final int DEFAULT_POOL_SIZE = 10;
  static final long DEFAULT_POOL_TIMEOUT_MS = 30_000;
  static final long DEFAULT_CONNECT_TIMEOUT_S = 10;
  static final long DEFAULT_POLL_MS = 1_000;

  static final Set<String> PARAMETERS =
      Set.of(
          "schema",
          "pool_size",
          "pool_timeout_ms",
          "connect_timeout_s",
          "poll_ms",
          "sslmode",
          "application_name",
          "user",
          "password");

  private static final Set<String> SSL_MODES =
      Set.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");

  final String jdbcUrl;
  final Properties properties;
  final String schema;
  final int poolSize;
  final long poolTimeoutMs;
  final long pollMs;
  private final String description;
  private final @Nullable String password;

  private PgConfig(
      String jdbcUrl,
      Properties properties,
      String schema,
      int poolSize,
      long poolTimeoutMs,
      long pollMs,
      String description,
      @Nullable String password) {
    this.jdbcUrl = jdbcUrl;
    this.properties = properties;
    this.schema = schema;
    this.poolSize = poolSize;
    this.poolTimeoutMs = poolTimeoutMs;
    this.pollMs = pollMs;
    this.description = description;
    this.password = password;
  }

  /**
   * Parses a location.
   *
   * @param location a {@code postgres:} or {@code postgresql:} location
   * @return the configuration
   * @throws StoreConfigurationException naming what is malformed (credentials redacted)
   */
  static PgConfig parse(StoreLocation location) {
    String where = location.redacted();
    location.requireKnownParameters(PARAMETERS);
    String target = location.target();
    if (!target.startsWith("//")) {
      throw bad(
          where,
          "must name a server: "
              + location.scheme()
              + "://user[:password]@host[:port]/database?schema=runs");
    }
    String rest = target.substring(2);
    int slash = rest.indexOf('/');
    String authority = slash < 0 ? rest : rest.substring(0, slash);
    String database = slash < 0 ? "" : rest.substring(slash + 1);
    String user = null;
    String password = null;
    int at = authority.lastIndexOf('@');
    if (at >= 0) {
      String userInfo = authority.substring(0, at);
      authority = authority.substring(at + 1);
      int colon = userInfo.indexOf(':');
      user = percentDecode(colon < 0 ? userInfo : userInfo.substring(0, colon), where, "user");
      password = colon < 0 ? null : percentDecode(userInfo.substring(colon + 1), where, "password");
      if (user.isEmpty()) {
        throw bad(where, "has an empty user name before '@'");
      }
    }
    String host;
    String portText = null;
    if (authority.startsWith("[")) {
      int close = authority.indexOf(']');
      if (close < 0) {
        throw bad(where, "has an unclosed '[' in its IPv6 host");
      }
      host = authority.substring(0, close + 1);
      String after = authority.substring(close + 1);
      if (!after.isEmpty()) {
        if (!after.startsWith(":")) {
          throw bad(where, "has text after its IPv6 host; use [addr]:port");
        }
        portText = after.substring(1);
      }
    } else {
      int colon = authority.indexOf(':');
      host = colon < 0 ? authority : authority.substring(0, colon);
      portText = colon < 0 ? null : authority.substring(colon + 1);
    }
    if (host.isEmpty() || !host.matches("\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._-]+")) {
      throw bad(
          where, "has no valid host; use " + location.scheme() + "://user@host:5432/database");
    }
    int port = 5432;
    if (portText != null) {
      try {
        port = Integer.parseInt(portText);
        if (port < 1 || port > 65535) {
          throw new NumberFormatException();
        }
      } catch (NumberFormatException e) {
        throw bad(where, "has port '" + portText + "'; a port is a number from 1 to 65535");
      }
    }
    database = percentDecode(database, where, "database");
    if (database.isEmpty()) {
      throw bad(
          where, "names no database; use " + location.scheme() + "://user@host:5432/database");
    }
    if (database.contains("/") || database.chars().anyMatch(c -> c < 0x20)) {
      throw bad(where, "has an invalid database name");
    }
    if (location.parameter("user").isPresent()) {
      if (user != null) {
        throw bad(where, "sets the user both before '@' and as a parameter; keep one");
      }
      user = location.parameter("user").get();
    }
    if (location.parameter("password").isPresent()) {
      if (password != null) {
        throw bad(where, "sets the password both before '@' and as a parameter; keep one");
      }
      password = location.parameter("password").get();
    }
    String schema = location.parameter("schema").orElse(DEFAULT_SCHEMA);
    checkSchema(schema, where);

    Properties props = new Properties();
    if (user != null) {
      props.setProperty("user", user);
    }
    if (password != null) {
      props.setProperty("password", password);
    }
    long connectTimeout =
        location.longParameter("connect_timeout_s", 1, 3600, DEFAULT_CONNECT_TIMEOUT_S);
    props.setProperty("connectTimeout", Long.toString(connectTimeout));
    props.setProperty("loginTimeout", Long.toString(connectTimeout));
    props.setProperty("ApplicationName", location.parameter("application_name").orElse("runs"));
    props.setProperty("tcpKeepAlive", "true");
    // the store's transactions rely on READ COMMITTED, whatever the database's default is
    props.setProperty("options", "-c default_transaction_isolation=read\\ committed");
    location
        .parameter("sslmode")
        .ifPresent(
            m -> {
              if (!SSL_MODES.contains(m)) {
                throw bad(
                    where, "sslmode=" + m + " is not one of " + new java.util.TreeSet<>(SSL_MODES));
              }
              props.setProperty("sslmode", m);
            });
    int poolSize = (int) location.longParameter("pool_size", 1, 500, DEFAULT_POOL_SIZE);
    long poolTimeout =
        location.longParameter("pool_timeout_ms", 1, 3_600_000, DEFAULT_POOL_TIMEOUT_MS);
    long pollMs = location.longParameter("poll_ms", 0, 3_600_000, DEFAULT_POLL_MS);
    String jdbcUrl =
        "jdbc:postgresql://"
            + host
            + ":"
            + port
            + "/"
            + URLEncoder.encode(database, StandardCharsets.UTF_8).replace("+", "%20");
    return new PgConfig(jdbcUrl, props, schema, poolSize, poolTimeout, pollMs, where, password);
  }

  /**
   * Checks a schema name: it is written into SQL text, so only plain lowercase identifiers that
   * leave room for the notification channel name are accepted.
   */
  static String checkSchema(String schema, String where) {
    if (!schema.matches("[a-z_][a-z0-9_]{0,47}")) {
      throw bad(
          where,
          "schema="
              + schema
              + " is not a plain PostgreSQL identifier: use 1 to 48 of"
              + " a-z, 0-9 and '_', not starting with a digit");
    }
    if (schema.startsWith("pg_")
        || schema.equals("information_schema")
        || schema.equals("public")) {
      throw bad(
          where,
          "schema="
              + schema
              + " is reserved or shared; give the store its own schema,"
              + " e.g. schema=runs");
    }
    return schema;
  }

  private static StoreConfigurationException bad(String where, String what) {
    return new StoreConfigurationException("store URI '" + where + "' " + what);
  }

  /** Decodes %XX escapes as UTF-8; unlike URLDecoder a '+' stays a '+'. */
  private static String percentDecode(String s, String where, String part) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%') {
        if (i + 2 >= s.length()) {
          throw bad(where, "has a malformed %-escape in its " + part);
        }
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          throw bad(where, "has a malformed %-escape in its " + part);
        }
        out.write(hi * 16 + lo);
        i += 2;
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /**
   * @return the redacted URI, for messages and logs
   */
  String describe() {
    return description;
  }

  /**
   * Removes the password from a driver message, in case a driver or server echoes it.
   *
   * @param message a message, possibly null
   * @return the message without the password
   */
  String scrub(String message) {
    if (message == null) {
      return "";
    }
    if (password != null && password.length() >= 3) {
      return message.replace(password, "***");
    }
    return message;
  }

  /**
   * @return the notification channel of a schema
   */
  static String channel(String schema) {
    return "runs_changes_" + schema;
  }

  @Override
  public String toString() {
    return description;
  }
}
