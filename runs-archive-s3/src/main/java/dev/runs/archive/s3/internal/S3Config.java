package dev.runs.archive.s3.internal;

import dev.runs.ArchiveStore;
import dev.runs.StoreConfigurationException;
import dev.runs.ValidationException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * What an {@code s3://bucket/prefix?…} URI says, checked, plus the client's timeouts and retries.
 * {@link #toString()} and every message show {@link #location()} only, never the query (it may hold
 * a secret key).
 *
 * @param bucket the bucket
 * @param prefix the key prefix every object gets, {@code ""} or ending in {@code /}
 * @param endpoint where the S3 server is; empty for AWS's endpoint of the region
 * @param region the signing region; empty to take the SDK's default chain (then us-east-1)
 * @param pathStyle whether to address the bucket in the path rather than the host name
 * @param accessKeyId the access key id; empty for the SDK's default credentials chain
 * @param secretAccessKey the secret key that goes with {@code accessKeyId}
 * @param connectTimeout how long to wait for a TCP connection
 * @param readTimeout how long a read may wait for the next bytes of a response
 * @param putDeadlineBase an upload attempt's deadline for an empty object
 * @param putBytesPerSecond the slowest upload rate the deadline of a bigger object allows
 * @param maxAttempts attempts of one request, the first included (the SDK's standard retries)
 * @param pageSize keys per ListObjectsV2 page
 */
public record S3Config(
    String bucket,
    String prefix,
    Optional<URI> endpoint,
    Optional<String> region,
    boolean pathStyle,
    Optional<String> accessKeyId,
    Optional<String> secretAccessKey,
    Duration connectTimeout,
    Duration readTimeout,
    Duration putDeadlineBase,
    long putBytesPerSecond,
    int maxAttempts,
    int pageSize) {

  /** The URI's query parameters. */
  static final List<String> PARAMETERS =
      List.of("endpoint", "region", "path_style", "access_key_id", "secret_access_key");

  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  static final Duration READ_TIMEOUT = Duration.ofSeconds(60);
  static final Duration PUT_DEADLINE_BASE = Duration.ofMinutes(2);
  static final long PUT_BYTES_PER_SECOND = 256 * 1024;
  static final int MAX_ATTEMPTS = 3;
  static final int PAGE_SIZE = 1000;

  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
  private static final Pattern REGION = Pattern.compile("[a-z0-9][a-z0-9-]*");

  /** Checks the settings; {@link #parse} is the way in. */
  public S3Config {
    Objects.requireNonNull(bucket, "bucket");
    Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(accessKeyId, "accessKeyId");
    Objects.requireNonNull(secretAccessKey, "secretAccessKey");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(readTimeout, "readTimeout");
    Objects.requireNonNull(putDeadlineBase, "putDeadlineBase");
    if (accessKeyId.isPresent() != secretAccessKey.isPresent()) {
      throw new IllegalArgumentException("accessKeyId and secretAccessKey go together");
    }
    if (!prefix.isEmpty() && !prefix.endsWith("/")) {
      throw new IllegalArgumentException("prefix must be empty or end in '/'");
    }
    if (maxAttempts < 1 || pageSize < 1 || putBytesPerSecond < 1) {
      throw new IllegalArgumentException(
          "maxAttempts, pageSize and putBytesPerSecond must be >= 1");
    }
  }

  /**
   * Reads an archive URI.
   *
   * @param uri e.g. {@code s3://bucket/prefix?endpoint=http://127.0.0.1:9000&path_style=true}
   * @return the settings, with the default timeouts and retries
   * @throws StoreConfigurationException naming what is wrong (never a parameter's value)
   */
  public static S3Config parse(URI uri) {
    Objects.requireNonNull(uri, "uri");
    String shown = shown(uri);
    if (!"s3".equals(uri.getScheme()) || uri.isOpaque() || uri.getRawAuthority() == null) {
      throw new StoreConfigurationException(
          "archive URI " + shown + " is not of the form s3://bucket/prefix");
    }
    if (uri.getRawUserInfo() != null) {
      throw new StoreConfigurationException(
          "archive URI "
              + shown
              + " has user info; give credentials as access_key_id and secret_access_key"
              + " parameters, or through the AWS SDK's default chain");
    }
    if (uri.getRawFragment() != null) {
      throw new StoreConfigurationException("archive URI " + shown + " has a fragment (#...)");
    }
    String bucket = uri.getRawAuthority();
    if (!BUCKET.matcher(bucket).matches() || bucket.contains("..")) {
      throw new StoreConfigurationException(
          "archive URI "
              + shown
              + ": '"
              + bucket
              + "' is not a valid bucket name (3 to 63 lowercase letters, digits, dots and"
              + " hyphens, starting and ending with a letter or digit)");
    }
    String prefix = prefix(uri.getPath(), shown);
    String location = location(bucket, prefix);

    Map<String, String> query = query(uri.getRawQuery(), location);
    Optional<URI> endpoint =
        Optional.ofNullable(query.get("endpoint")).map(e -> endpoint(e, location));
    Optional<String> region = Optional.ofNullable(query.get("region"));
    if (region.isPresent() && !REGION.matcher(region.get()).matches()) {
      throw new StoreConfigurationException(
          "archive " + location + ": region must be a region name such as eu-west-1");
    }
    boolean pathStyle = false;
    String pathStyleValue = query.get("path_style");
    if (pathStyleValue != null) {
      switch (pathStyleValue.toLowerCase(Locale.ROOT)) {
        case "true" -> pathStyle = true;
        case "false" -> pathStyle = false;
        default ->
            throw new StoreConfigurationException(
                "archive " + location + ": path_style must be true or false");
      }
    }
    Optional<String> keyId = Optional.ofNullable(query.get("access_key_id"));
    Optional<String> secret = Optional.ofNullable(query.get("secret_access_key"));
    if (keyId.isPresent() != secret.isPresent()) {
      throw new StoreConfigurationException(
          "archive "
              + location
              + ": access_key_id and secret_access_key go together; give both, or neither to"
              + " use the AWS SDK's default credentials chain");
    }
    return new S3Config(
        bucket,
        prefix,
        endpoint,
        region,
        pathStyle,
        keyId,
        secret,
        CONNECT_TIMEOUT,
        READ_TIMEOUT,
        PUT_DEADLINE_BASE,
        PUT_BYTES_PER_SECOND,
        MAX_ATTEMPTS,
        PAGE_SIZE);
  }

  /**
   * @return {@code s3://bucket/prefix} (or {@code s3://bucket}): no endpoint, no credentials
   */
  public String location() {
    return location(bucket, prefix);
  }

  /**
   * @param key an archive key
   * @return the object key in the bucket: the prefix, then the key
   */
  String objectKey(String key) {
    return prefix + key;
  }

  /**
   * @param size an object's size in bytes
   * @return the deadline of one upload attempt of that size
   */
  Duration putDeadline(long size) {
    return putDeadlineBase.plusSeconds(size / putBytesPerSecond);
  }

  S3Config withClient(
      Duration connect, Duration read, Duration putBase, long putRate, int attempts, int page) {
    return new S3Config(
        bucket,
        prefix,
        endpoint,
        region,
        pathStyle,
        accessKeyId,
        secretAccessKey,
        connect,
        read,
        putBase,
        putRate,
        attempts,
        page);
  }

  @Override
  public String toString() {
    return "S3Config[" + location() + "]";
  }

  private static String location(String bucket, String prefix) {
    return "s3://"
        + bucket
        + (prefix.isEmpty() ? "" : "/" + prefix.substring(0, prefix.length() - 1));
  }

  /** The URI for a message: scheme, host and path; no user info, no query. */
  private static String shown(URI uri) {
    if (uri.isOpaque()) {
      String ssp = uri.getRawSchemeSpecificPart();
      int q = ssp.indexOf('?');
      return uri.getScheme() + ":" + (q < 0 ? ssp : ssp.substring(0, q));
    }
    String host = uri.getRawAuthority() == null ? "" : uri.getRawAuthority();
    int at = host.lastIndexOf('@');
    if (at >= 0) {
      host = "***@" + host.substring(at + 1);
    }
    return uri.getScheme() + "://" + host + (uri.getRawPath() == null ? "" : uri.getRawPath());
  }

  private static String prefix(String path, String shown) {
    String p = path == null ? "" : path;
    while (p.startsWith("/")) {
      p = p.substring(1);
    }
    while (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    if (p.isEmpty()) {
      return "";
    }
    try {
      ArchiveStore.checkKey(p);
    } catch (ValidationException e) {
      throw new StoreConfigurationException(
          "archive URI " + shown + ": the prefix is not a valid key (" + e.rule() + ")", e);
    }
    return p + "/";
  }

  private static Map<String, String> query(String raw, String location) {
    Map<String, String> values = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return values;
    }
    Set<String> unknown = new TreeSet<>();
    for (String pair : raw.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = decode(eq < 0 ? pair : pair.substring(0, eq), location);
      if (!PARAMETERS.contains(name)) {
        unknown.add(name);
        continue;
      }
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1), location);
      if (value.isEmpty()) {
        throw new StoreConfigurationException(
            "archive " + location + ": parameter " + name + " has no value");
      }
      if (values.put(name, value) != null) {
        throw new StoreConfigurationException(
            "archive " + location + ": parameter " + name + " is given twice");
      }
    }
    if (!unknown.isEmpty()) {
      throw new StoreConfigurationException(
          "archive "
              + location
              + ": unknown parameter"
              + (unknown.size() == 1 ? " " : "s ")
              + String.join(", ", unknown)
              + "; the s3: archive takes "
              + String.join(", ", PARAMETERS));
    }
    return values;
  }

  private static String decode(String s, String location) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new StoreConfigurationException(
          "archive " + location + ": the query has a malformed %-escape", e);
    }
  }

  private static URI endpoint(String value, String location) {
    String expected =
        "archive "
            + location
            + ": endpoint must be an http:// or https:// URL with a host, e.g."
            + " http://127.0.0.1:9000";
    URI e;
    try {
      e = new URI(value);
    } catch (URISyntaxException ex) {
      throw new StoreConfigurationException(expected, ex);
    }
    String scheme = e.getScheme() == null ? "" : e.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || e.getHost() == null) {
      throw new StoreConfigurationException(expected);
    }
    String path = e.getRawPath() == null ? "" : e.getRawPath();
    if (e.getRawUserInfo() != null
        || e.getRawQuery() != null
        || e.getRawFragment() != null
        || !(path.isEmpty() || path.equals("/"))) {
      throw new StoreConfigurationException(
          "archive "
              + location
              + ": endpoint must be scheme, host and port only, e.g."
              + " https://s3.example.com:9000");
    }
    return e;
  }
}
