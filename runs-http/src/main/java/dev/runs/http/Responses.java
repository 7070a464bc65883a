package dev.runs.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.RunHandle;
import dev.runs.RunOrchestrator;
import java.util.LinkedHashMap;
import java.util.Map;

/** The JSON responses the resources share. */
final class Responses {
  /** The media type of JSON bodies. */
  static final String JSON = "application/json";

  private Responses() {}

  /**
   * @param status the HTTP status
   * @param body the JSON body
   * @param extra headers besides {@code Content-Type} and {@code Cache-Control}
   * @return the response, never cached
   */
  static ApiResponse.Full json(int status, JsonNode body, Map<String, String> extra) {
    Map<String, String> h = new LinkedHashMap<>(extra);
    h.put("Content-Type", JSON);
    h.put("Cache-Control", "no-store");
    return new ApiResponse.Full(status, h, Json.bytes(body));
  }

  /**
   * The body answering a start, resume, replay or rerun.
   *
   * @param orchestrator the orchestrator, for the run's status now
   * @param handle the run started or found
   * @return the run's id, whether it was created, its status, its record and its links
   */
  static ObjectNode launched(RunOrchestrator orchestrator, RunHandle handle) {
    ObjectNode o = Json.object();
    o.put("run_id", handle.runId().value());
    o.put("created", handle.created());
    o.put("status", orchestrator.state(handle.runId()).status().wireName());
    o.putRawValue("record", Json.raw(handle.record().toJson()));
    o.set("links", Links.ofRun(handle.runId()));
    return o;
  }
}
