package dev.runs.spi;

import dev.runs.RunStoreOptions;
import dev.runs.StoreConfigurationException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A parsed store URI: {@code scheme:rest?key=value&...}, plus the options the store was opened
 * with. The text after the scheme and before {@code ?} is kept as is ({@link #target()}); the query
 * is decoded into parameters. {@link #redacted()} hides a password in a user-info part and the
 * values of parameters named like {@code password}, {@code secret} or {@code token}.
 *
 * <p>Immutable and thread-safe.
 */
public final class StoreLocation {
  private final String uri;
  private final String scheme;
  private final String target;
  private final Map<String, String> parameters;
  private final RunStoreOptions options;

  private StoreLocation(
      String uri,
      String scheme,
      String target,
      Map<String, String> parameters,
      RunStoreOptions options) {
    this.uri = uri;
    this.scheme = scheme;
    this.target = target;
    this.parameters = parameters;
    this.options = options;
  }

  /**
   * Parses a URI with default options.
   *
   * @param uri e.g. {@code sqlite:runs.db?durability=normal}
   * @return the location
   * @throws StoreConfigurationException when the URI has no scheme or a malformed query
   */
  public static StoreLocation parse(String uri) {
    return parse(uri, RunStoreOptions.defaults());
  }

  /**
   * Parses a URI.
   *
   * @param uri the store URI
   * @param options the options to open it with
   * @return the location
   * @throws StoreConfigurationException when the URI has no scheme or a malformed query
   */
  public static StoreLocation parse(String uri, RunStoreOptions options) {
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(options, "options");
    int colon = uri.indexOf(':');
    if (colon <= 0) {
      throw new StoreConfigurationException(
          "store URI '"
              + redact(uri)
              + "' has no scheme; use for example memory:, sqlite:runs.db, file:./runs or"
              + " postgres://host/db");
    }
    String scheme = uri.substring(0, colon).toLowerCase(Locale.ROOT);
    if (!scheme.matches("[a-z][a-z0-9+.-]*")) {
      throw new StoreConfigurationException(
          "store URI '" + redact(uri) + "' has an invalid scheme '" + scheme + "'");
    }
    String rest = uri.substring(colon + 1);
    int q = rest.indexOf('?');
    String target = q < 0 ? rest : rest.substring(0, q);
    Map<String, String> params = new LinkedHashMap<>();
    if (q >= 0 && q + 1 < rest.length()) {
      for (String pair : rest.substring(q + 1).split("&", -1)) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String key = decode(eq < 0 ? pair : pair.substring(0, eq), uri);
        String value = eq < 0 ? "" : decode(pair.substring(eq + 1), uri);
        if (params.put(key, value) != null) {
          throw new StoreConfigurationException(
              "store URI '" + redact(uri) + "' sets parameter '" + key + "' twice");
        }
      }
    }
    return new StoreLocation(uri, scheme, target, Collections.unmodifiableMap(params), options);
  }

  private static String decode(String s, String uri) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new StoreConfigurationException(
          "store URI '" + redact(uri) + "' has a malformed query: " + e.getMessage());
    }
  }

  /**
   * @return the scheme, lowercase
   */
  public String scheme() {
    return scheme;
  }

  /**
   * @return the part between the scheme's colon and the query, e.g. {@code runs.db} or {@code
   *     //host/db}
   */
  public String target() {
    return target;
  }

  /**
   * @return the query parameters, decoded, in URI order
   */
  public Map<String, String> parameters() {
    return parameters;
  }

  /**
   * @param name a parameter name
   * @return its value
   */
  public Optional<String> parameter(String name) {
    return Optional.ofNullable(parameters.get(name));
  }

  /**
   * @return the options the store is opened with
   */
  public RunStoreOptions options() {
    return options;
  }

  /**
   * @return the original URI text; may contain credentials, never log it
   */
  public String uri() {
    return uri;
  }

  /**
   * Parameters every store accepts because the core reads them: {@code hash_chain=on|off} (see
   * {@link #hashChain()}) and {@code archive=<archive URI>} (see {@link #archiveUri()}).
   */
  public static final Set<String> CORE_PARAMETERS = Set.of("hash_chain", "archive");

  /**
   * Refuses parameters a store does not know, naming them and the known ones; {@link
   * #CORE_PARAMETERS} are always known.
   *
   * @param known the parameter names the store accepts
   * @throws StoreConfigurationException for an unknown parameter
   */
  public void requireKnownParameters(Set<String> known) {
    Set<String> all = new TreeSet<>(known);
    all.addAll(CORE_PARAMETERS);
    for (String key : parameters.keySet()) {
      if (!all.contains(key)) {
        throw new StoreConfigurationException(
            "store URI '"
                + redacted()
                + "' has unknown parameter '"
                + key
                + "'; "
                + scheme
                + ": accepts "
                + all);
      }
    }
  }

  /**
   * Whether the store chains its events' hashes: the URI parameter {@code hash_chain=on|off} when
   * present, else {@link RunStoreOptions#hashChain()}.
   *
   * @return true for on
   * @throws StoreConfigurationException for a value other than on or off
   */
  public boolean hashChain() {
    return choice("hash_chain", Set.of("on", "off"), options.hashChain() ? "on" : "off")
        .equals("on");
  }

  /**
   * The archive the store reads archived runs from, when the URI names one ({@code
   * ?archive=dir:/mnt/archive}; percent-encode it when it has a query of its own). The store opens
   * and closes it.
   *
   * @return the archive URI, or empty
   */
  public Optional<String> archiveUri() {
    return Optional.ofNullable(parameters.get("archive"));
  }

  /**
   * Reads an enumerated parameter.
   *
   * @param name parameter name
   * @param allowed allowed values
   * @param defaultValue value when absent
   * @return the value
   * @throws StoreConfigurationException for a value not allowed
   */
  public String choice(String name, Set<String> allowed, String defaultValue) {
    String v = parameters.get(name);
    if (v == null) {
      return defaultValue;
    }
    if (!allowed.contains(v)) {
      throw new StoreConfigurationException(
          "store URI '"
              + redacted()
              + "': "
              + name
              + "="
              + v
              + " is not one of "
              + new TreeSet<>(allowed));
    }
    return v;
  }

  /**
   * Reads an integer parameter.
   *
   * @param name parameter name
   * @param min smallest allowed value
   * @param max largest allowed value
   * @param defaultValue value when absent
   * @return the value
   * @throws StoreConfigurationException for a malformed or out-of-range value
   */
  public long longParameter(String name, long min, long max, long defaultValue) {
    String v = parameters.get(name);
    if (v == null) {
      return defaultValue;
    }
    try {
      long n = Long.parseLong(v);
      if (n < min || n > max) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new StoreConfigurationException(
          "store URI '"
              + redacted()
              + "': "
              + name
              + "="
              + v
              + " must be an integer from "
              + min
              + " to "
              + max);
    }
  }

  /**
   * Interprets the target as a file system path.
   *
   * @return the path ({@code file:} style {@code //} prefixes are accepted)
   * @throws StoreConfigurationException when the target is empty or not a valid path
   */
  public Path path() {
    String t = target;
    if (t.startsWith("///")) {
      t = t.substring(2);
    } else if (t.startsWith("//")) {
      throw new StoreConfigurationException(
          "store URI '"
              + redacted()
              + "' names a host; use "
              + scheme
              + ":/absolute/path or "
              + scheme
              + ":relative/path");
    }
    if (t.isEmpty()) {
      throw new StoreConfigurationException(
          "store URI '" + redacted() + "' has no path; use for example " + scheme + ":./runs");
    }
    try {
      return Path.of(t);
    } catch (InvalidPathException e) {
      throw new StoreConfigurationException(
          "store URI '" + redacted() + "' has an invalid path: " + e.getMessage());
    }
  }

  /**
   * @return the URI with credentials hidden, safe for logs and messages
   */
  public String redacted() {
    return redact(uri);
  }

  /**
   * Hides credentials in a URI: the password of a user-info part and the values of parameters whose
   * names contain password, secret, token or key.
   *
   * @param uri a URI
   * @return the URI with secrets replaced by {@code ***}
   */
  public static String redact(String uri) {
    if (uri == null) {
      return "null";
    }
    String out = uri.replaceAll("(//[^/@:?#]*:)[^/@?#]*@", "$1***@");
    out = out.replaceAll("(?i)([?&][^=&]*(password|passwd|secret|token|key)[^=&]*=)[^&]*", "$1***");
    return out;
  }

  @Override
  public String toString() {
    return redacted();
  }
}
