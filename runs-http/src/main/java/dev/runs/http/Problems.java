package dev.runs.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.IllegalTransitionException;
import dev.runs.LimitExceededException;
import dev.runs.PreflightRefusedException;
import dev.runs.RunAlreadyExistsException;
import dev.runs.RunBusyException;
import dev.runs.RunNotFoundException;
import dev.runs.RunsException;
import dev.runs.SequenceConflictException;
import dev.runs.SnapshotMismatchException;
import dev.runs.StageExistsException;
import dev.runs.StoreClosedException;
import dev.runs.StoreCorruptedException;
import dev.runs.StoreIoException;
import dev.runs.UnknownConfigPathException;
import dev.runs.ValidationException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns failures into {@code application/problem+json} responses (RFC 9457). */
final class Problems {
  private static final Logger log = LoggerFactory.getLogger(Problems.class);

  static final String MEDIA_TYPE = "application/problem+json";

  private Problems() {}

  /**
   * @param failure what went wrong while handling the request
   * @param request the request, for {@code instance} and the log
   * @return the problem response
   */
  static ApiResponse.Full toResponse(Throwable failure, ApiRequest request) {
    ObjectNode ext = Json.object();
    Map<String, String> headers = new LinkedHashMap<>();
    ProblemType type;
    String detail = String.valueOf(failure.getMessage());
    if (failure instanceof ProblemException p) {
      type = p.type();
      ext.setAll(p.extensions());
      headers.putAll(p.headers());
    } else if (failure instanceof PreflightRefusedException p) {
      type = ProblemType.PREFLIGHT_REFUSED;
      ext.set("report", Json.preflight(p.report()));
    } else if (failure instanceof ValidationException v) {
      type = ProblemType.VALIDATION;
      ext.put("field", v.field());
      ext.put("rule", v.rule());
      if (v instanceof LimitExceededException l) {
        ext.put("limit", l.limit());
        ext.put("maximum", l.maximum());
      }
      if (v instanceof UnknownConfigPathException u) {
        u.nearestKeys().forEach(ext.putArray("nearest_keys")::add);
      }
    } else if (failure instanceof RunNotFoundException n) {
      type = ProblemType.NOT_FOUND;
      ext.put("run_id", n.runId().value());
    } else if (failure instanceof IllegalTransitionException t) {
      type = ProblemType.ILLEGAL_TRANSITION;
      ext.put("run_id", t.runId().value());
      ext.put("current_status", t.currentStatus().wireName());
      ext.put("refused_type", t.refusedType());
    } else if (failure instanceof SequenceConflictException c) {
      type = ProblemType.CONFLICT;
      ext.put("run_id", c.runId().value());
      ext.put("expected_sequence", c.expected());
      ext.put("actual_sequence", c.actual());
    } else if (failure instanceof RunBusyException b) {
      type = ProblemType.CONFLICT;
      ext.put("run_id", b.lease().runId().value());
      ext.put("lease_owner", b.lease().owner());
      ext.put("lease_expires_at", Json.time(b.lease().expiresAt()));
    } else if (failure instanceof RunAlreadyExistsException e) {
      type = ProblemType.CONFLICT;
      ext.put("run_id", e.runId().value());
    } else if (failure instanceof SnapshotMismatchException s) {
      type = ProblemType.CONFLICT;
      ext.put("run_id", s.runId().value());
      ext.put("recorded_sha256", s.recordedSha256());
      ext.put("actual_sha256", s.actualSha256());
    } else if (failure instanceof StageExistsException) {
      type = ProblemType.CONFLICT;
    } else if (failure instanceof StoreCorruptedException) {
      type = ProblemType.INTERNAL;
      String incident = incident();
      ext.put("incident", incident);
      log.error(
          "{} {} - incident {}: the store is damaged",
          request.method(),
          request.path(),
          incident,
          failure);
    } else if (failure instanceof StoreIoException) {
      type = ProblemType.UNAVAILABLE;
      headers.put("Retry-After", "5");
      log.warn(
          "{} {} - the store failed: {}", request.method(), request.path(), failure.getMessage());
    } else if (failure instanceof StoreClosedException) {
      type = ProblemType.UNAVAILABLE;
    } else if (failure instanceof RunsException) {
      type = ProblemType.INTERNAL;
      String incident = incident();
      ext.put("incident", incident);
      log.error("{} {} - incident {}", request.method(), request.path(), incident, failure);
    } else {
      type = ProblemType.INTERNAL;
      String incident = incident();
      ext.put("incident", incident);
      detail = "unexpected failure; the server log has the details under incident " + incident;
      log.error("{} {} - incident {}", request.method(), request.path(), incident, failure);
    }
    if (type.status() < 500) {
      log.debug(
          "{} {} - {} {}: {}",
          request.method(),
          request.path(),
          type.status(),
          type.slug(),
          detail);
    }
    return problem(type, detail, ext, headers, request.path());
  }

  static ApiResponse.Full problem(
      ProblemType type,
      String detail,
      ObjectNode extensions,
      Map<String, String> headers,
      String instance) {
    ObjectNode body = Json.object();
    body.put("type", type.uri());
    body.put("title", type.title());
    body.put("status", type.status());
    body.put("detail", detail == null ? type.title() : detail);
    body.put("instance", instance);
    extensions
        .properties()
        .forEach(
            e -> {
              if (!body.has(e.getKey())) {
                body.set(e.getKey(), e.getValue());
              }
            });
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put("Content-Type", MEDIA_TYPE);
    h.put("Cache-Control", "no-store");
    return new ApiResponse.Full(type.status(), h, Json.bytes(body));
  }

  private static String incident() {
    return UUID.randomUUID().toString();
  }
}
