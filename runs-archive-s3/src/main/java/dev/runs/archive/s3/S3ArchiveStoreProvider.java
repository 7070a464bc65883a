package dev.runs.archive.s3;

import dev.runs.ArchiveStore;
import dev.runs.archive.s3.internal.S3ArchiveStore;
import dev.runs.archive.s3.internal.S3Config;
import dev.runs.spi.ArchiveStoreProvider;
import java.net.URI;

/**
 * The {@code s3:} archive: objects in an S3 bucket under a prefix, on AWS or any server that speaks
 * S3. Stateless; found by {@link java.util.ServiceLoader}, or use it directly.
 *
 * <pre>{@code
 * s3://bucket/prefix                        AWS; region and credentials from the SDK's defaults
 * s3://bucket/prefix?region=eu-west-1       AWS, that region
 * s3://bucket/prefix?endpoint=http://127.0.0.1:9000&region=us-east-1&path_style=true
 *     &access_key_id=...&secret_access_key=...    an S3-compatible server
 * }</pre>
 *
 * <table>
 *   <caption>Parameters</caption>
 *   <tr><th>parameter</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code endpoint}</td><td>AWS's for the region</td><td>the server's URL</td></tr>
 *   <tr><td>{@code region}</td><td>the SDK's region chain (AWS_REGION, ~/.aws/config, the
 *       instance's), else us-east-1</td><td>the signing region</td></tr>
 *   <tr><td>{@code path_style}</td><td>false</td><td>{@code true} puts the bucket in the path
 *       ({@code http://host/bucket/key}), as most S3-compatible servers need</td></tr>
 *   <tr><td>{@code access_key_id}, {@code secret_access_key}</td><td>the SDK's credentials
 *       chain</td><td>static credentials, for test servers; both or neither</td></tr>
 * </table>
 *
 * <p>Any other parameter is a {@link dev.runs.StoreConfigurationException} naming it. {@link
 * ArchiveStore#location()} and every message show {@code s3://bucket/prefix} only: never the
 * endpoint's query, never a credential.
 */
public final class S3ArchiveStoreProvider implements ArchiveStoreProvider {
  /** For {@link java.util.ServiceLoader}. */
  public S3ArchiveStoreProvider() {}

  @Override
  public String scheme() {
    return "s3";
  }

  /**
   * Opens the archive: builds an S3 client and checks the bucket answers (a ListObjectsV2 request
   * for one key under the prefix).
   *
   * @param location an {@code s3://bucket/prefix?…} URI
   * @return the open archive; close it to release the client
   * @throws dev.runs.StoreConfigurationException when the URI is malformed or has an unknown
   *     parameter
   * @throws dev.runs.ArchiveUnavailableException when the bucket cannot be reached, does not exist
   *     or refuses the credentials
   */
  @Override
  public ArchiveStore open(URI location) {
    return S3ArchiveStore.open(S3Config.parse(location));
  }
}
