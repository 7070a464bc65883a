package dev.runs.internal.codec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.RunSummary;
import dev.runs.ValidationException;
import java.util.ArrayList;
import java.util.List;

/**
 * JSON form of {@link RunSummary}, carried in the {@code summary} field of a run's final event. It
 * is the record's components in snake_case ({@link RecordJson}), except that each entry of {@code
 * errors} has its error's fields ({@code message}, {@code code}, {@code retryable}) at its own
 * level rather than in a nested {@code error} object, the form earlier versions stored and the run
 * viewer reads.
 *
 * <p>Decoding accepts the summaries earlier versions stored: a summary without {@code by_model}
 * (added later) reads back with an empty per-model list.
 */
public final class RunSummaryJson {
  private static final String ERROR = "error";

  private RunSummaryJson() {}

  /**
   * @param s the summary
   * @return its JSON object
   */
  public static ObjectNode encode(RunSummary s) {
    ObjectNode o = (ObjectNode) RecordJson.toJson(s); // a record: always an object
    for (JsonNode entry : o.path("errors")) {
      ObjectNode e = (ObjectNode) entry;
      JsonNode error = e.remove(ERROR);
      if (error != null) {
        e.setAll((ObjectNode) error);
      }
    }
    return o;
  }

  /**
   * @param json a JSON object written by {@link #encode(RunSummary)}
   * @return the summary
   * @throws ValidationException naming a missing or malformed field
   */
  public static RunSummary decode(JsonNode json) {
    if (!json.isObject()) {
      throw new ValidationException("summary", "must be a JSON object");
    }
    JsonNode errors = json.get("errors");
    if (errors == null || !errors.isArray()) {
      return RecordJson.fromJson(json, RunSummary.class, "summary");
    }
    ObjectNode copy = ((ObjectNode) json).deepCopy();
    List<JsonNode> nested = new ArrayList<>();
    for (JsonNode entry : errors) {
      if (!entry.isObject()) {
        nested.add(entry); // RecordJson names the entry that is not an object
        continue;
      }
      ObjectNode e = ((ObjectNode) entry).deepCopy();
      ObjectNode error = e.objectNode();
      for (String field : List.of("message", "code", "retryable")) {
        JsonNode v = e.remove(field);
        if (v != null) {
          error.set(field, v);
        }
      }
      e.set(ERROR, error);
      nested.add(e);
    }
    copy.putArray("errors").addAll(nested);
    return RecordJson.fromJson(copy, RunSummary.class, "summary");
  }
}
