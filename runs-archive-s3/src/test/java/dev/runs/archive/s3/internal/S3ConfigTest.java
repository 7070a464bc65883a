package dev.runs.archive.s3.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.StoreConfigurationException;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

final class S3ConfigTest {
  private static final String SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY";

  private static S3Config parse(String uri) {
    return S3Config.parse(URI.create(uri));
  }

  @Test
  void parse_everyParameter_read() {
    S3Config c =
        parse(
            "s3://my-bucket/runs/archive?endpoint=http://127.0.0.1:9000&region=eu-west-3"
                + "&path_style=true&access_key_id=AKIDEXAMPLE&secret_access_key="
                + SECRET);

    assertThat(c.bucket()).isEqualTo("my-bucket");
    assertThat(c.prefix()).isEqualTo("runs/archive/");
    assertThat(c.endpoint()).contains(URI.create("http://127.0.0.1:9000"));
    assertThat(c.region()).contains("eu-west-3");
    assertThat(c.pathStyle()).isTrue();
    assertThat(c.accessKeyId()).contains("AKIDEXAMPLE");
    assertThat(c.secretAccessKey()).contains(SECRET);
    assertThat(c.location()).isEqualTo("s3://my-bucket/runs/archive");
    assertThat(c.objectKey("ns/1/run.json")).isEqualTo("runs/archive/ns/1/run.json");
  }

  @Test
  void parse_bareBucket_takesTheDefaults() {
    S3Config c = parse("s3://my.bucket");

    assertThat(c.prefix()).isEmpty();
    assertThat(c.location()).isEqualTo("s3://my.bucket");
    assertThat(c.objectKey("a")).isEqualTo("a");
    assertThat(c.endpoint()).isEmpty();
    assertThat(c.region()).isEmpty();
    assertThat(c.pathStyle()).isFalse();
    assertThat(c.accessKeyId()).isEmpty();
    assertThat(c.secretAccessKey()).isEmpty();
    assertThat(c.connectTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.readTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.maxAttempts()).isEqualTo(3);
    assertThat(c.pageSize()).isEqualTo(1000);
  }

  @ParameterizedTest
  @CsvSource({
    "s3://b-1/, ''",
    "s3://b-1/p, p/",
    "s3://b-1/p/, p/",
    "s3://b-1//p//, p/",
    "s3://b-1/a/b/c, a/b/c/",
    "s3://b-1/with%20space, with space/"
  })
  void parse_prefix_normalized(String uri, String prefix) {
    assertThat(parse(uri).prefix()).isEqualTo(prefix);
  }

  @Test
  void putDeadline_growsWithSize() {
    S3Config c = parse("s3://bucket");
    assertThat(c.putDeadline(0)).isEqualTo(Duration.ofMinutes(2));
    assertThat(c.putDeadline(256L * 1024 * 600)).isEqualTo(Duration.ofMinutes(12));
  }

  @Test
  void parse_unknownParameters_namedButNotTheirValues() {
    assertThatThrownBy(
            () ->
                parse(
                    "s3://bucket/p?regoin=eu-west-1&secret_access_key="
                        + SECRET
                        + "&access_key_id=AKID&sekret="
                        + SECRET))
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining("s3://bucket/p")
        .hasMessageContaining("unknown parameters regoin, sekret")
        .hasMessageContaining("endpoint, region, path_style, access_key_id, secret_access_key")
        .hasMessageNotContaining(SECRET)
        .hasMessageNotContaining("eu-west-1");
  }

  @Test
  void parse_oneUnknownParameter_named() {
    assertThatThrownBy(() -> parse("s3://bucket?timeout=5"))
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining("unknown parameter timeout;");
  }

  @Test
  void parse_parameterTwice_refused() {
    assertThatThrownBy(() -> parse("s3://bucket?region=a&region=b"))
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining("region is given twice");
  }

  @ParameterizedTest
  @ValueSource(strings = {"s3://bucket?region=", "s3://bucket?region", "s3://bucket?endpoint="})
  void parse_emptyValue_refused(String uri) {
    assertThatThrownBy(() -> parse(uri))
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining("has no value");
  }

  @Test
  void parse_keyIdWithoutSecret_refused() {
    assertThatThrownBy(() -> parse("s3://bucket?access_key_id=AKID"))
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining("go together")
        .hasMessageNotContaining("AKID");
    assertThatThrownBy(() -> parse("s3://bucket?secret_access_key=" + SECRET))
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageNotContaining(SECRET);
  }

  @Test
  void parse_userInfo_refusedWithoutShowingIt() {
    assertThatThrownBy(() -> parse("s3://AKID:" + SECRET + "@bucket/p"))
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining("s3://***@bucket/p")
        .hasMessageContaining("access_key_id and secret_access_key")
        .hasMessageNotContaining(SECRET)
        .hasMessageNotContaining("AKID");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "s3://Bucket",
        "s3://b",
        "s3://under_score",
        "s3://-leading",
        "s3://trailing-",
        "s3://double..dot",
        "s3://bucket:9000",
      })
  void parse_badBucket_refused(String uri) {
    assertThatThrownBy(() -> parse(uri))
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining("is not a valid bucket name");
  }

  @ParameterizedTest
  @ValueSource(strings = {"s3:bucket/p", "s3:///p", "file://bucket/p"})
  void parse_notAnS3Uri_refused(String uri) {
    assertThatThrownBy(() -> parse(uri))
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining("is not of the form s3://bucket/prefix");
  }

  @Test
  void parse_badPrefix_refused() {
    assertThatThrownBy(() -> parse("s3://bucket/a/../b"))
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining("the prefix is not a valid key");
  }

  @Test
  void parse_fragment_refused() {
    assertThatThrownBy(() -> parse("s3://bucket/p#x"))
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining("fragment");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "ftp://host:21",
        "127.0.0.1:9000",
        "http://user:pw@host:9000",
        "http://host:9000/path",
        "http:///nohost",
      })
  void parse_badEndpoint_refused(String endpoint) {
    assertThatThrownBy(() -> parse("s3://bucket/p?endpoint=" + endpoint))
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining("endpoint must be")
        .hasMessageNotContaining("pw");
  }

  @Test
  void parse_encodedEndpoint_decoded() {
    S3Config c = parse("s3://bucket/p?endpoint=https%3A%2F%2Fs3.example.com%3A9000");
    assertThat(c.endpoint()).contains(URI.create("https://s3.example.com:9000"));
  }

  @ParameterizedTest
  @CsvSource({"true, true", "TRUE, true", "false, false"})
  void parse_pathStyle(String value, boolean expected) {
    assertThat(parse("s3://bucket?path_style=" + value).pathStyle()).isEqualTo(expected);
  }

  @Test
  void parse_badPathStyleOrRegion_refused() {
    assertThatThrownBy(() -> parse("s3://bucket?path_style=yes"))
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining("path_style must be true or false");
    assertThatThrownBy(() -> parse("s3://bucket?region=EU%20West"))
        .isInstanceOf(StoreConfigurationException.class)
        .hasMessageContaining("region must be a region name");
  }

  @Test
  void toString_showsTheLocationOnly() {
    S3Config c =
        parse(
            "s3://bucket/p?endpoint=http://127.0.0.1:9000&access_key_id=AKID&secret_access_key="
                + SECRET);
    assertThat(c.toString())
        .isEqualTo("S3Config[s3://bucket/p]")
        .doesNotContain(SECRET)
        .doesNotContain("AKID");
  }

  @Test
  void constructor_checksItsArguments() {
    S3Config c = parse("s3://bucket/p");
    assertThatThrownBy(
            () ->
                new S3Config(
                    "bucket",
                    "p",
                    Optional.empty(),
                    Optional.empty(),
                    false,
                    Optional.empty(),
                    Optional.empty(),
                    c.connectTimeout(),
                    c.readTimeout(),
                    c.putDeadlineBase(),
                    1,
                    3,
                    1000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("prefix");
    assertThatThrownBy(
            () -> c.withClient(c.connectTimeout(), c.readTimeout(), c.putDeadlineBase(), 1, 0, 1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
