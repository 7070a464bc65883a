package dev.runs.archive.s3.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.ArchiveUnavailableException;
import java.net.URI;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.Region;

/** What the {@code s3:} archive does without a server: opening fails plainly; the region. */
final class S3ArchiveStoreTest {

  @Test
  void open_nothingAnswers_throwsNamingTheArchiveOnly() throws Exception {
    try (FaultProxy refusing = new FaultProxy(URI.create("http://127.0.0.1:9"))) {
      refusing.refuseConnections();
      S3Config config = S3TestServer.config(refusing.endpoint(), "p/q");

      assertThatThrownBy(() -> S3ArchiveStore.open(config))
          .isInstanceOf(ArchiveUnavailableException.class)
          .hasMessageStartingWith("archive s3://runs-test/p/q: cannot reach the bucket: ")
          .hasMessageNotContaining(S3TestServer.SECRET)
          .hasMessageNotContaining("secret_access_key")
          .hasCauseInstanceOf(SdkClientException.class);
    }
  }

  @Test
  void region_fromTheUri_elseTheSdkChain_elseUsEast1() {
    S3Config withRegion = S3Config.parse(URI.create("s3://bucket/p?region=eu-west-3"));
    S3Config without = S3Config.parse(URI.create("s3://bucket/p"));

    assertThat(S3ArchiveStore.region(withRegion, () -> Region.AP_SOUTH_1))
        .isEqualTo(Region.EU_WEST_3);
    assertThat(S3ArchiveStore.region(without, () -> Region.AP_SOUTH_1))
        .isEqualTo(Region.AP_SOUTH_1);
    assertThat(
            S3ArchiveStore.region(
                without,
                () -> {
                  throw SdkClientException.create("Unable to load region from any provider");
                }))
        .isEqualTo(Region.US_EAST_1);
  }

  @Test
  void describe_serviceAndClientErrors() {
    assertThat(S3ArchiveStore.describe(SdkClientException.create("Connection refused")))
        .isEqualTo("Connection refused");
  }
}
