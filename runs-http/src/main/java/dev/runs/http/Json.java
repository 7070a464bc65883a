package dev.runs.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import dev.runs.PreflightIssue;
import dev.runs.PreflightReport;
import dev.runs.Recommendation;
import dev.runs.RunEntry;
import dev.runs.StageManifest;
import dev.runs.WorkflowRef;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.List;

/** JSON reading and writing for the API: strict parsing, snake_case bodies. */
final class Json {
  static final ObjectMapper MAPPER =
      new ObjectMapper()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

  private Json() {}

  static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  static ArrayNode array() {
    return MAPPER.createArrayNode();
  }

  static byte[] bytes(JsonNode node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String text(JsonNode node) {
    return new String(bytes(node), StandardCharsets.UTF_8);
  }

  /**
   * Parses a request body, which must be UTF-8 (RFC 8259 section 8.1); a leading byte order mark is
   * ignored. The bytes are decoded strictly before Jackson sees them, so malformed UTF-8 is never
   * replaced and a body in UTF-16 or UTF-32 is never taken for JSON by Jackson's encoding
   * detection.
   *
   * @throws ProblemException (validation, field {@code body}) when it is not UTF-8, naming the byte
   *     offset of the first malformed sequence, or not one JSON value
   */
  static JsonNode parse(byte[] body) {
    String text = utf8(body);
    if (text.startsWith("\uFEFF")) {
      text = text.substring(1);
    }
    try {
      JsonNode n = MAPPER.readTree(text);
      if (n == null || n.isMissingNode()) {
        throw ProblemException.validation("body", "must be a JSON object but is empty");
      }
      return n;
    } catch (JsonProcessingException e) {
      throw ProblemException.validation(
          "body",
          "is not valid JSON: "
              + e.getOriginalMessage()
              + (e.getLocation() != null
                  ? " (line "
                      + e.getLocation().getLineNr()
                      + ", column "
                      + e.getLocation().getColumnNr()
                      + ")"
                  : ""));
    } catch (NumberFormatException e) {
      // Jackson's refusal of a decimal exponent beyond int's range, which it does not wrap
      throw ProblemException.validation("body", "is not valid JSON: a number is out of range");
    }
  }

  /**
   * Decodes a request body as UTF-8, refusing what is not.
   *
   * @throws ProblemException (validation, field {@code body}) naming the byte offset and the bytes
   *     of the first malformed or truncated sequence
   */
  static String utf8(byte[] body) {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(body);
    CharBuffer out = CharBuffer.allocate(body.length); // UTF-8 never has more chars than bytes
    CoderResult result = decoder.decode(in, out, true);
    if (result.isUnderflow()) {
      result = decoder.flush(out);
    }
    if (result.isError()) {
      int at = in.position();
      StringBuilder bytes = new StringBuilder();
      for (int i = at; i < Math.min(body.length, at + result.length()); i++) {
        bytes
            .append(bytes.length() == 0 ? "" : " ")
            .append("0x")
            .append(HexFormat.of().withUpperCase().toHexDigits(body[i]));
      }
      throw ProblemException.validation(
          "body",
          "is not valid UTF-8: the sequence at byte offset "
              + at
              + " ("
              + bytes
              + ") is malformed; send JSON bodies encoded as UTF-8");
    }
    if (result.isOverflow()) {
      throw new IllegalStateException("UTF-8 decoding of " + body.length + " bytes overflowed");
    }
    return out.flip().toString();
  }

  static String time(Instant t) {
    return TIME.format(t);
  }

  /** Embeds JSON text that is known to be valid as is. */
  static RawValue raw(String json) {
    return new RawValue(json);
  }

  static ObjectNode workflow(WorkflowRef w) {
    ObjectNode o = object();
    o.put("name", w.name());
    o.put("version", w.version());
    return o;
  }

  static ObjectNode entry(RunEntry e) {
    ObjectNode o = object();
    o.put("run_id", e.id().value());
    o.put("status", e.status().wireName());
    o.put("last_sequence", e.lastSequence());
    o.put("updated_at", time(e.updatedAt()));
    o.putRawValue("record", raw(e.record().toJson()));
    return o;
  }

  static ObjectNode preflight(PreflightReport report) {
    ObjectNode o = object();
    o.put("ready", report.ready());
    o.set("blockers", issues(report.blockers()));
    o.set("warnings", issues(report.warnings()));
    report
        .normalizedConfig()
        .ifPresent(
            c -> {
              o.putRawValue("normalized_config", raw(c.json()));
              o.put("normalized_config_sha256", c.sha256());
            });
    return o;
  }

  private static ArrayNode issues(List<PreflightIssue> issues) {
    ArrayNode a = array();
    for (PreflightIssue i : issues) {
      a.addObject().put("code", i.code()).put("message", i.message());
    }
    return a;
  }

  static ObjectNode recommendation(Recommendation r) {
    ObjectNode o = object();
    o.put("id", r.id());
    o.set("workflow", workflow(r.workflow()));
    o.putRawValue("config", raw(r.config().json()));
    o.put("config_sha256", r.configSha256());
    o.put("rationale", r.rationale());
    r.sourceRef().ifPresent(s -> o.put("source_ref", s));
    o.put("status", r.status().wireName());
    ArrayNode b = o.putArray("blockers");
    r.blockers().forEach(b::add);
    o.put("created_at", time(r.createdAt()));
    return o;
  }

  static ObjectNode stage(StageManifest m) {
    ObjectNode o;
    try {
      o = (ObjectNode) MAPPER.readTree(m.toJson());
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
    o.put("manifest_sha256", m.sha256());
    return o;
  }
}
