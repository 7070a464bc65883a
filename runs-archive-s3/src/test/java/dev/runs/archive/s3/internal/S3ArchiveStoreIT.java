package dev.runs.archive.s3.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.ArchiveStore;
import dev.runs.ArchiveStores;
import dev.runs.ArchiveUnavailableException;
import dev.runs.archive.s3.internal.FaultProxy.Fault;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * What the {@code s3:} archive does beyond the conformance suite, against the S3 test server:
 * paging, prefixes, the bucket check at open, region and credentials. A {@link FaultProxy} that
 * passes everything shows the requests.
 */
@ExtendWith(RequiresS3.class)
final class S3ArchiveStoreIT {
  private final List<ArchiveStore> opened = new ArrayList<>();
  private String prefix;
  private FaultProxy proxy;

  @BeforeEach
  void start() throws IOException {
    prefix = S3TestServer.newPrefix("store");
    proxy = new FaultProxy(S3TestServer.endpoint());
  }

  @AfterEach
  void stop() {
    opened.forEach(ArchiveStore::close);
    proxy.close();
  }

  private <T extends ArchiveStore> T keep(T a) {
    opened.add(a);
    return a;
  }

  @Test
  void list_pagesThroughListObjectsV2() {
    S3Config base = S3TestServer.config(proxy.endpoint(), prefix);
    S3ArchiveStore archive =
        keep(
            S3ArchiveStore.open(
                base.withClient(
                    base.connectTimeout(),
                    base.readTimeout(),
                    base.putDeadlineBase(),
                    base.putBytesPerSecond(),
                    base.maxAttempts(),
                    3)));
    int before = proxy.requests().size();
    List<String> keys = new ArrayList<>();
    for (int i = 9; i >= 0; i--) {
      keys.add(0, "p/k-0" + i);
      archive.put("p/k-0" + i, new byte[] {(byte) i});
    }

    assertThat(archive.list("p/")).containsExactlyElementsOf(keys);
    assertThat(
            proxy.requests().subList(before, proxy.requests().size()).stream()
                .filter(r -> r.target().contains("list-type=2")))
        .as("10 keys in pages of 3")
        .hasSize(4);
  }

  @Test
  void prefixes_keepArchivesApart() {
    ArchiveStore a = keep(ArchiveStores.open(S3TestServer.uri(prefix + "/a")));
    ArchiveStore b = keep(ArchiveStores.open(S3TestServer.uri(prefix + "/b")));
    ArchiveStore both = keep(ArchiveStores.open(S3TestServer.uri(prefix)));
    a.put("k", new byte[] {1});
    b.put("k", new byte[] {2});

    assertThat(a.list("")).containsExactly("k");
    assertThat(b.list("")).containsExactly("k");
    assertThat(both.list("")).containsExactly("a/k", "b/k");
    assertThat(a.location()).isEqualTo("s3://runs-test/" + prefix + "/a");
    b.delete("k");
    assertThat(both.list("")).containsExactly("a/k");
  }

  @Test
  void list_skipsObjectsWhoseNamesAreNoArchiveKeys() {
    ArchiveStore archive = keep(ArchiveStores.open(S3TestServer.uri(prefix)));
    archive.put("good/one", new byte[] {1});
    try (S3Client s3 = S3TestServer.client()) {
      // (not a control character below 0x20: s3rver would put it raw in its XML listing)
      for (String name : List.of("good/del\u007fchar", "good/back\\slash")) {
        s3.putObject(
            r -> r.bucket(S3TestServer.BUCKET).key(prefix + "/" + name),
            RequestBody.fromBytes(new byte[] {9}));
      }
    }

    assertThat(archive.list("")).containsExactly("good/one");
  }

  @Test
  void list_asksForUrlEncodedKeys_andDecodesThem() {
    ArchiveStore archive = keep(ArchiveStores.open(S3TestServer.uri(proxy.endpoint(), prefix)));
    // what S3 answers for encoding-type=url; s3rver ignores the parameter, so the proxy answers
    String xml =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
            + "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            + "<Name>runs-test</Name><Prefix>"
            + prefix
            + "%2F</Prefix><KeyCount>3</KeyCount><MaxKeys>1000</MaxKeys>"
            + "<EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>"
            + "<Contents><Key>"
            + prefix
            + "%2Fns%2Fctl%01char</Key><Size>1</Size></Contents>"
            + "<Contents><Key>"
            + prefix
            + "%2Fns%2Frun+1%2Fa%25b%C3%A9.json</Key><Size>1</Size></Contents>"
            + "<Contents><Key>"
            + prefix
            + "%2Fns%2Fplain</Key><Size>1</Size></Contents>"
            + "</ListBucketResult>";
    proxy.rule(r -> r.target().contains("list-type=2") ? Fault.reply(200, xml) : Fault.pass());

    assertThat(archive.list("ns/")).containsExactly("ns/plain", "ns/run 1/a%bé.json");
    assertThat(proxy.requests().get(proxy.requests().size() - 1).target())
        .contains("encoding-type=url");
  }

  @Test
  void open_missingBucket_throwsSayingSo() {
    String uri = S3TestServer.uri(prefix).replace("s3://runs-test/", "s3://no-such-bucket-here/");

    assertThatThrownBy(() -> ArchiveStores.open(uri))
        .isInstanceOf(ArchiveUnavailableException.class)
        .hasMessage(
            "archive s3://no-such-bucket-here/"
                + prefix
                + ": the bucket no-such-bucket-here"
                + " does not exist");
  }

  @Test
  void requests_signedForTheUrisRegion() {
    ArchiveStore archive =
        keep(
            ArchiveStores.open(
                S3TestServer.uri(proxy.endpoint(), prefix).replace("us-east-1", "eu-west-3")));
    archive.put("k", new byte[] {1});

    FaultProxy.Request put = proxy.objectRequests("PUT").get(0);
    assertThat(put.header("authorization"))
        .startsWith("AWS4-HMAC-SHA256 Credential=" + S3TestServer.KEY_ID + "/")
        .contains("/eu-west-3/s3/aws4_request");
  }

  @Test
  void credentials_absentFromTheUri_comeFromTheSdkChain() {
    String uri =
        "s3://"
            + S3TestServer.BUCKET
            + "/"
            + prefix
            + "?endpoint="
            + proxy.endpoint()
            + "&region=us-east-1&path_style=true";
    // the chain's first source is the aws.accessKeyId / aws.secretAccessKey system properties;
    // instance metadata (off the machine) is off so a miss never leaves loopback
    Map<String, String> properties =
        Map.of(
            "aws.accessKeyId", S3TestServer.KEY_ID,
            "aws.secretAccessKey", S3TestServer.SECRET,
            "aws.disableEc2Metadata", "true");
    properties.forEach(System::setProperty);
    try {
      ArchiveStore archive = keep(ArchiveStores.open(uri));
      archive.put("k", new byte[] {1});
    } finally {
      properties.keySet().forEach(System::clearProperty);
    }

    assertThat(proxy.objectRequests("PUT").get(0).header("authorization"))
        .contains("Credential=" + S3TestServer.KEY_ID + "/");
  }

  @Test
  void open_endpointOfTheUri_isWhereRequestsGo() throws IOException {
    ArchiveStore archive = keep(ArchiveStores.open(S3TestServer.uri(proxy.endpoint(), prefix)));
    archive.put("k", new byte[] {1});
    try (InputStream in = archive.open("k").orElseThrow()) {
      assertThat(in.readAllBytes()).containsExactly(1);
    }
    archive.list("");
    archive.delete("k");

    assertThat(proxy.requests())
        .extracting(FaultProxy.Request::method)
        .containsExactly("GET", "PUT", "GET", "GET", "DELETE");
    assertThat(proxy.requests().get(0).target())
        .as("the check at open: one key under the prefix")
        .contains("list-type=2")
        .contains("max-keys=1")
        .contains("prefix=" + prefix + "%2F");
    assertThat(proxy.requests().get(1).target())
        .as("path style: the bucket in the path")
        .isEqualTo("/" + S3TestServer.BUCKET + "/" + prefix + "/k");
  }
}
