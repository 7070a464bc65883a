package dev.runs.archive.s3.internal;

import java.net.HttpURLConnection;
import java.net.URI;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;

/**
 * The S3 server the tests use: {@code RUNS_S3_ENDPOINT} (e.g. {@code http://127.0.0.1:9309}, what
 * {@code .ci/s3-server start} starts), bucket {@code runs-test}, created when missing. Each test
 * works under a fresh random prefix.
 *
 * <p>The server is s3rver: its only access key id is {@code S3RVER}, and since it does not check
 * SigV4 signatures any secret passes; the tests use a secret of their own, {@link #SECRET}, so they
 * can check it never shows.
 */
final class S3TestServer {
  static final String ENV = "RUNS_S3_ENDPOINT";
  static final String BUCKET = "runs-test";
  static final String KEY_ID = "S3RVER";
  static final String SECRET = "runs-test-secret-Zq7x";
  static final String HOW =
      "start the test server with `.ci/s3-server start` and set "
          + ENV
          + "=http://127.0.0.1:9309 (s3rver 3.7.1 from npm, with Node.js)";

  private S3TestServer() {}

  /**
   * @return the endpoint, or null when {@code RUNS_S3_ENDPOINT} is not set
   */
  static URI endpointOrNull() {
    String v = System.getenv(ENV);
    return v == null || v.isBlank() ? null : URI.create(v.trim());
  }

  static URI endpoint() {
    URI e = endpointOrNull();
    if (e == null) {
      throw new IllegalStateException(ENV + " is not set; " + HOW);
    }
    return e;
  }

  /**
   * @return e.g. {@code t-contract-1a2b3c4d5e6f/}
   */
  static String newPrefix(String purpose) {
    byte[] b = new byte[6];
    ThreadLocalRandom.current().nextBytes(b);
    return "t-" + purpose + "-" + HexFormat.of().formatHex(b);
  }

  /**
   * @return an archive URI for a prefix on the test server (or on {@code endpoint}, e.g. a proxy in
   *     front of it), with static credentials
   */
  static String uri(URI endpoint, String prefix) {
    return "s3://"
        + BUCKET
        + "/"
        + prefix
        + "?endpoint="
        + endpoint
        + "&region=us-east-1&path_style=true&access_key_id="
        + KEY_ID
        + "&secret_access_key="
        + SECRET;
  }

  static String uri(String prefix) {
    return uri(endpoint(), prefix);
  }

  /**
   * @return the settings of an archive on {@code endpoint} under {@code prefix}
   */
  static S3Config config(URI endpoint, String prefix) {
    return S3Config.parse(URI.create(uri(endpoint, prefix)));
  }

  /**
   * @return a plain S3 client of the test server, for what the archive cannot do
   */
  static S3Client client() {
    return S3Client.builder()
        .httpClient(UrlConnectionHttpClient.create())
        .endpointOverride(endpoint())
        .region(Region.US_EAST_1)
        .forcePathStyle(true)
        // what the archive does too: no aws-chunked bodies (the test server refuses them)
        .serviceConfiguration(S3Configuration.builder().chunkedEncodingEnabled(false).build())
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create(KEY_ID, SECRET)))
        .build();
  }

  /**
   * @return why the server cannot be used, or null when it answers and has the bucket
   */
  static String unreachableReason() {
    URI e = endpointOrNull();
    if (e == null) {
      return ENV + " is not set";
    }
    try {
      HttpURLConnection c = (HttpURLConnection) e.resolve("/").toURL().openConnection();
      c.setConnectTimeout(3000);
      c.setReadTimeout(3000);
      int status = c.getResponseCode();
      c.disconnect();
      if (status != 200) {
        return "GET " + e + "/ answered " + status;
      }
    } catch (Exception ex) {
      return ex.toString();
    }
    try (S3Client s3 = client()) {
      try {
        s3.headBucket(b -> b.bucket(BUCKET));
      } catch (NoSuchBucketException missing) {
        try {
          s3.createBucket(b -> b.bucket(BUCKET));
        } catch (BucketAlreadyOwnedByYouException raced) {
          // created meanwhile
        }
      }
    } catch (RuntimeException ex) {
      return "the bucket " + BUCKET + " cannot be used: " + ex;
    }
    return null;
  }
}
