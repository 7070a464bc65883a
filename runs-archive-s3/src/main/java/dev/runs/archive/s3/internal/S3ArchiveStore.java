package dev.runs.archive.s3.internal;

import dev.runs.ArchiveStore;
import dev.runs.ArchiveUnavailableException;
import dev.runs.ValidationException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * The {@code s3:} archive over the AWS SDK's synchronous S3 client, one object per key under the
 * URI's prefix.
 *
 * <ul>
 *   <li>A put is one PutObject with the content's length and its SHA-256 in {@code
 *       x-amz-checksum-sha256}: S3 stores the object only when the body it received has that
 *       checksum, and a PutObject is all or nothing, so a reader sees the old object or all of the
 *       new one. The SDK's own checksums (CRC trailers in aws-chunked bodies, on by default since
 *       SDK 2.30) are off ({@code WHEN_REQUIRED}, chunked encoding disabled): the explicit SHA-256
 *       header does their job, and servers that speak S3 without aws-chunked (s3rver and other test
 *       servers, some appliances) take the plain body.
 *   <li>An open is a GetObject with checksum mode on: when the server returns the object's SHA-256
 *       (S3 does for objects put with one), the SDK checks the bytes as they are read and the
 *       stream fails at its end on a mismatch. Reading failures are {@link IOException}s naming the
 *       archive and key.
 *   <li>A list pages through ListObjectsV2, asking for URL-encoded keys (which the SDK decodes): an
 *       XML 1.0 document cannot hold a key's control characters otherwise. A delete is a
 *       DeleteObject (S3 answers alike whether or not the object was there).
 *   <li>Every request is retried by the SDK's standard retry strategy (3 attempts in all, with
 *       exponential backoff and jitter) on throttling, 5xx answers and I/O errors. Connections time
 *       out after 10 s, a read that gets no bytes for 60 s fails, and an upload attempt must end
 *       within 2 minutes plus 1 s per 256 KiB.
 *   <li>Every {@link SdkException} becomes an {@link ArchiveUnavailableException} naming {@link
 *       #location()} and the key, with the SDK's exception as the cause.
 * </ul>
 *
 * <p>Thread-safe: the S3 client is.
 */
public final class S3ArchiveStore implements ArchiveStore {
  private static final Logger log = LoggerFactory.getLogger(S3ArchiveStore.class);
  private static final String CONTENT_TYPE = "application/octet-stream";

  private final S3Config config;
  private final String location;
  private final S3Client s3;
  private final AwsCredentialsProvider credentials;
  private final AtomicBoolean closed = new AtomicBoolean();

  private S3ArchiveStore(S3Config config, S3Client s3, AwsCredentialsProvider credentials) {
    this.config = Objects.requireNonNull(config, "config");
    this.location = config.location();
    this.s3 = Objects.requireNonNull(s3, "s3");
    this.credentials = Objects.requireNonNull(credentials, "credentials");
  }

  /**
   * Builds the client and checks that the bucket answers (a listing of one key).
   *
   * @param config the settings
   * @return the open archive
   * @throws ArchiveUnavailableException when the bucket cannot be reached, does not exist or
   *     refuses the credentials
   */
  public static S3ArchiveStore open(S3Config config) {
    Objects.requireNonNull(config, "config");
    AwsCredentialsProvider credentials = credentials(config);
    S3Client s3;
    try {
      s3 = client(config, credentials);
    } catch (SdkException | IllegalArgumentException e) {
      closeQuietly(credentials);
      throw new ArchiveUnavailableException(
          "archive " + config.location() + ": cannot build the S3 client: " + e.getMessage(), e);
    }
    S3ArchiveStore store = new S3ArchiveStore(config, s3, credentials);
    try {
      store.checkBucket();
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    log.info("archive {} - opened", store.location);
    return store;
  }

  private static AwsCredentialsProvider credentials(S3Config config) {
    if (config.accessKeyId().isPresent() && config.secretAccessKey().isPresent()) {
      return StaticCredentialsProvider.create(
          AwsBasicCredentials.create(config.accessKeyId().get(), config.secretAccessKey().get()));
    }
    return DefaultCredentialsProvider.builder().build();
  }

  private static S3Client client(S3Config config, AwsCredentialsProvider credentials) {
    S3ClientBuilder builder =
        S3Client.builder()
            .httpClientBuilder(
                UrlConnectionHttpClient.builder()
                    .connectionTimeout(config.connectTimeout())
                    .socketTimeout(config.readTimeout()))
            .credentialsProvider(credentials)
            .region(region(config))
            .forcePathStyle(config.pathStyle())
            .serviceConfiguration(S3Configuration.builder().chunkedEncodingEnabled(false).build())
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
            .overrideConfiguration(
                o ->
                    o.retryStrategy(
                        AwsRetryStrategy.standardRetryStrategy().toBuilder()
                            .maxAttempts(config.maxAttempts())
                            .build()));
    config.endpoint().ifPresent(builder::endpointOverride);
    return builder.build();
  }

  private static Region region(S3Config config) {
    return region(config, () -> new DefaultAwsRegionProviderChain().getRegion());
  }

  /**
   * @param chain the SDK's region chain (AWS_REGION, the profile files, the instance's metadata)
   * @return the URI's region, else the chain's, else us-east-1
   */
  static Region region(S3Config config, Supplier<Region> chain) {
    if (config.region().isPresent()) {
      return Region.of(config.region().get());
    }
    try {
      return chain.get();
    } catch (SdkClientException e) {
      log.debug("archive {} - no region configured; using us-east-1", config.location(), e);
      return Region.US_EAST_1;
    }
  }

  /**
   * One ListObjectsV2 of at most one key under the prefix: it needs no more than {@code
   * s3:ListBucket} limited to the prefix, which a HeadBucket would not do with.
   */
  private void checkBucket() {
    try {
      s3.listObjectsV2(
          b ->
              b.bucket(config.bucket())
                  .prefix(config.prefix())
                  .maxKeys(1)
                  .encodingType(EncodingType.URL));
    } catch (AwsServiceException e) {
      String why =
          switch (e.statusCode()) {
            case 404 -> "the bucket " + config.bucket() + " does not exist";
            case 403 ->
                "access to the bucket "
                    + config.bucket()
                    + " is denied (check the credentials and that they may s3:ListBucket it)";
            case 301 -> "the bucket " + config.bucket() + " is in another region; set region=";
            default -> describe(e);
          };
      throw new ArchiveUnavailableException("archive " + location + ": " + why, e);
    } catch (SdkException e) {
      throw new ArchiveUnavailableException(
          "archive " + location + ": cannot reach the bucket: " + describe(e), e);
    }
  }

  @Override
  public void put(String key, Path file) {
    Objects.requireNonNull(file, "file");
    String k = checked(key);
    Digest digest;
    try {
      digest = Digest.of(file);
    } catch (IOException e) {
      throw new ArchiveUnavailableException(
          "archive " + location + ": cannot write " + k + ": cannot read " + file + " (" + e + ")",
          e);
    }
    upload(k, RequestBody.fromFile(file), digest);
  }

  @Override
  public void put(String key, byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes");
    String k = checked(key);
    upload(k, RequestBody.fromBytes(bytes), Digest.of(bytes));
  }

  private void upload(String key, RequestBody body, Digest digest) {
    PutObjectRequest request =
        PutObjectRequest.builder()
            .bucket(config.bucket())
            .key(config.objectKey(key))
            .contentLength(digest.size)
            .contentType(CONTENT_TYPE)
            .checksumSHA256(digest.sha256)
            .overrideConfiguration(o -> o.apiCallAttemptTimeout(config.putDeadline(digest.size)))
            .build();
    try {
      s3.putObject(request, body);
    } catch (SdkException e) {
      throw failure("write", key, e);
    }
    log.debug("archive {} - put {} ({} bytes)", location, key, digest.size);
  }

  @Override
  public Optional<InputStream> open(String key) {
    String k = checked(key);
    ResponseInputStream<GetObjectResponse> in;
    try {
      in =
          s3.getObject(
              b ->
                  b.bucket(config.bucket())
                      .key(config.objectKey(k))
                      .checksumMode(ChecksumMode.ENABLED));
    } catch (NoSuchKeyException e) {
      return Optional.empty();
    } catch (SdkException e) {
      throw failure("read", k, e);
    }
    Long length = in.response().contentLength();
    return Optional.of(
        new ObjectStream(
            in, "archive " + location + ": reading " + k, length == null ? -1 : length));
  }

  @Override
  public List<String> list(String prefix) {
    Objects.requireNonNull(prefix, "prefix");
    checkOpen();
    if (!prefix.isEmpty()) {
      ArchiveStore.checkKey(
          prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix);
    }
    String base = config.prefix();
    List<String> keys = new ArrayList<>();
    try {
      for (S3Object o :
          s3.listObjectsV2Paginator(
                  b ->
                      b.bucket(config.bucket())
                          .prefix(base + prefix)
                          .maxKeys(config.pageSize())
                          .encodingType(EncodingType.URL))
              .contents()) {
        String objectKey = o.key();
        if (objectKey.startsWith(base) && isKey(objectKey.substring(base.length()))) {
          keys.add(objectKey.substring(base.length()));
        }
      }
    } catch (SdkException e) {
      throw failure("list", prefix.isEmpty() ? "(all keys)" : prefix, e);
    }
    keys.sort(null);
    return List.copyOf(keys);
  }

  /** Objects put by other means under names that are no archive key are not listed. */
  private static boolean isKey(String key) {
    try {
      ArchiveStore.checkKey(key);
      return true;
    } catch (ValidationException e) {
      return false;
    }
  }

  @Override
  public void delete(String key) {
    String k = checked(key);
    try {
      s3.deleteObject(b -> b.bucket(config.bucket()).key(config.objectKey(k)));
    } catch (SdkException e) {
      throw failure("delete", k, e);
    }
  }

  @Override
  public String location() {
    return location;
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      try {
        s3.close();
      } finally {
        closeQuietly(credentials);
      }
      log.info("archive {} - closed", location);
    }
  }

  @Override
  public String toString() {
    return "ArchiveStore[" + location + "]";
  }

  private String checked(String key) {
    Objects.requireNonNull(key, "key");
    checkOpen();
    return ArchiveStore.checkKey(key);
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("archive " + location + " is closed");
    }
  }

  private ArchiveUnavailableException failure(String verb, String key, SdkException e) {
    return new ArchiveUnavailableException(
        "archive " + location + ": cannot " + verb + " " + key + ": " + describe(e), e);
  }

  /** The server's answer (status, error code, message) or the client's error message. */
  static String describe(SdkException e) {
    if (e instanceof AwsServiceException s) {
      AwsErrorDetails details = s.awsErrorDetails();
      String code = details == null ? null : details.errorCode();
      String message = details == null ? null : details.errorMessage();
      return "the server answered "
          + s.statusCode()
          + (code == null ? "" : " " + code)
          + (message == null ? "" : " (" + message + ")")
          + attempts(e);
    }
    return String.valueOf(e.getMessage());
  }

  private static String attempts(SdkException e) {
    int n = e.numAttempts() == null ? 1 : e.numAttempts();
    return n > 1 ? " after " + n + " attempts" : "";
  }

  private static void closeQuietly(AwsCredentialsProvider credentials) {
    if (credentials instanceof SdkAutoCloseable c) {
      c.close();
    }
  }

  /** A content's length and base64 SHA-256. */
  private static final class Digest {
    final long size;
    final String sha256;

    private Digest(long size, byte[] sha256) {
      this.size = size;
      this.sha256 = Base64.getEncoder().encodeToString(sha256);
    }

    static Digest of(byte[] bytes) {
      return new Digest(bytes.length, sha256().digest(bytes));
    }

    static Digest of(Path file) throws IOException {
      MessageDigest md = sha256();
      long size = 0;
      byte[] buffer = new byte[64 * 1024];
      try (InputStream in = Files.newInputStream(file)) {
        for (int n; (n = in.read(buffer)) > 0; ) {
          md.update(buffer, 0, n);
          size += n;
        }
      }
      return new Digest(size, md.digest());
    }

    private static MessageDigest sha256() {
      try {
        return MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("every Java platform has SHA-256", e);
      }
    }
  }
}
