package dev.runs.http;

import static dev.runs.http.Links.encodePath;
import static dev.runs.http.Links.encodeSegment;
import static dev.runs.http.Links.runPath;
import static dev.runs.http.Responses.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.RunId;
import dev.runs.RunOrchestrator;
import dev.runs.StageArtifact;
import dev.runs.StageManifest;
import dev.runs.StageWrite;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A run's stages: {@code GET /runs/{id}/stages} lists their manifests with a link to each artifact,
 * and {@code GET /runs/{id}/stages/{key}/artifacts/{name}} serves one artifact's bytes (the latest
 * attempt unless {@code ?attempt=} names one). An artifact name may use plain {@code /} since it is
 * the last part of its path. Thread-safe.
 */
final class StagesResource {
  private final RunOrchestrator orchestrator;

  StagesResource(RunOrchestrator orchestrator) {
    this.orchestrator = orchestrator;
  }

  /** {@code GET /runs/{id}/stages}. */
  ApiResponse list(ApiRequest req, RunId id) {
    new QueryParams(req, Set.of());
    List<StageManifest> manifests = orchestrator.stages(id);
    ObjectNode o = Json.object();
    o.put("run_id", id.value());
    ArrayNode a = o.putArray("stages");
    for (StageManifest m : manifests) {
      ObjectNode st = Json.stage(m);
      for (JsonNode f : st.withArray("files")) {
        String path = f.path("path").asText();
        if (path.startsWith("artifacts/")) {
          ((ObjectNode) f)
              .put(
                  "href",
                  runPath(id)
                      + "/stages/"
                      + encodeSegment(m.stageKey())
                      + "/artifacts/"
                      + encodePath(path.substring("artifacts/".length()))
                      + "?attempt="
                      + m.attempt());
        }
      }
      a.add(st);
    }
    return json(200, o, Map.of());
  }

  /** {@code GET /runs/{id}/stages/{key}/artifacts/{name}}. */
  ApiResponse artifact(ApiRequest req, RunId id, String stageKey, String name) {
    QueryParams q = new QueryParams(req, Set.of("attempt"));
    Optional<Long> attemptParam = q.longValue("attempt", 1, Integer.MAX_VALUE);
    StageWrite.checkStageKey(stageKey);
    StageArtifact.checkName(name);
    List<StageManifest> all = orchestrator.stages(id);
    List<StageManifest> ofStage =
        all.stream().filter(m -> m.stageKey().equals(stageKey)).collect(Collectors.toList());
    if (ofStage.isEmpty()) {
      throw ProblemException.notFound(
          "run "
              + id
              + " has no stage '"
              + stageKey
              + "'; its stages are "
              + all.stream().map(StageManifest::stageKey).distinct().collect(Collectors.toList()));
    }
    int attempt =
        attemptParam
            .map(Long::intValue)
            .orElseGet(() -> ofStage.stream().mapToInt(StageManifest::attempt).max().orElseThrow());
    StageManifest manifest =
        ofStage.stream()
            .filter(m -> m.attempt() == attempt)
            .findFirst()
            .orElseThrow(
                () ->
                    ProblemException.notFound(
                        "run "
                            + id
                            + " stage '"
                            + stageKey
                            + "' has no attempt "
                            + attempt
                            + "; its attempts are "
                            + ofStage.stream()
                                .map(StageManifest::attempt)
                                .collect(Collectors.toList())));
    String path = "artifacts/" + name;
    StageManifest.Entry entry =
        manifest
            .file(path)
            .orElseThrow(
                () ->
                    ProblemException.notFound(
                        "run "
                            + id
                            + " stage '"
                            + stageKey
                            + "' attempt "
                            + attempt
                            + " has no artifact '"
                            + name
                            + "'; its artifacts are "
                            + manifest.files().stream()
                                .map(StageManifest.Entry::path)
                                .filter(p -> p.startsWith("artifacts/"))
                                .map(p -> p.substring("artifacts/".length()))
                                .collect(Collectors.toList())));
    byte[] bytes = orchestrator.readStageFile(id, stageKey, attempt, path);
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Content-Type", contentType(name));
    h.put(
        "Content-Disposition",
        "attachment; filename=\"" + name.substring(name.lastIndexOf('/') + 1) + "\"");
    h.put("X-Content-SHA256", entry.sha256());
    h.put(
        "Repr-Digest",
        "sha-256=:"
            + Base64.getEncoder().encodeToString(HexFormat.of().parseHex(entry.sha256()))
            + ":");
    h.put("ETag", "\"" + entry.sha256() + "\"");
    h.put("X-Stage-Attempt", Integer.toString(attempt));
    h.put("Content-Security-Policy", "sandbox");
    h.put("Cache-Control", "no-cache");
    return new ApiResponse.Full(200, h, bytes);
  }

  /**
   * @param name an artifact name
   * @return the media type its extension suggests; {@code application/octet-stream} if none
   */
  static String contentType(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    String ext = lower.contains(".") ? lower.substring(lower.lastIndexOf('.') + 1) : "";
    return switch (ext) {
      case "json" -> "application/json";
      case "ndjson", "jsonl" -> "application/x-ndjson";
      case "txt", "log" -> "text/plain; charset=utf-8";
      case "md" -> "text/markdown; charset=utf-8";
      case "csv" -> "text/csv; charset=utf-8";
      case "html", "htm" -> "text/html; charset=utf-8";
      case "xml" -> "application/xml";
      case "svg" -> "image/svg+xml";
      case "png" -> "image/png";
      case "jpg", "jpeg" -> "image/jpeg";
      case "gif" -> "image/gif";
      case "webp" -> "image/webp";
      case "pdf" -> "application/pdf";
      case "parquet" -> "application/vnd.apache.parquet";
      default -> "application/octet-stream";
    };
  }
}
