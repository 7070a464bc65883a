package dev.runs.http;

import java.util.Locale;

/**
 * The classes of error the API answers with {@code application/problem+json} (RFC 9457). Each has a
 * stable {@code type} URI, {@code urn:runs:problem:<name>}, a fixed title and an HTTP status.
 */
enum ProblemType {
  /** A field, parameter or body breaks a rule; {@code field} and {@code rule} say which. */
  VALIDATION(400, "Invalid request"),
  /** No or refused credentials. */
  UNAUTHORIZED(401, "Authentication required"),
  /** The request names a host this unauthenticated loopback server does not answer for. */
  FORBIDDEN(403, "Forbidden"),
  /** No such run, recommendation, stage, artifact or path. */
  NOT_FOUND(404, "Not found"),
  /** The path exists but not with this method; the {@code Allow} header lists those it has. */
  METHOD_NOT_ALLOWED(405, "Method not allowed"),
  /** None of the media types in {@code Accept} can be produced. */
  NOT_ACCEPTABLE(406, "Not acceptable"),
  /** The request conflicts with the current state: sequence, lease, id already taken. */
  CONFLICT(409, "Conflict"),
  /** The run's status does not allow the requested transition. */
  ILLEGAL_TRANSITION(409, "Illegal transition"),
  /** The request body is larger than the server accepts. */
  PAYLOAD_TOO_LARGE(413, "Payload too large"),
  /** The request body is not JSON. */
  UNSUPPORTED_MEDIA_TYPE(415, "Unsupported media type"),
  /** The preflight found blockers; {@code report} holds the whole report. */
  PREFLIGHT_REFUSED(422, "Refused by preflight"),
  /** An unexpected failure; the server log has the details under {@code incident}. */
  INTERNAL(500, "Internal error"),
  /** The store cannot be reached or the orchestrator is closed; retry later. */
  UNAVAILABLE(503, "Service unavailable");

  private final int status;
  private final String title;

  ProblemType(int status, String title) {
    this.status = status;
    this.title = title;
  }

  /**
   * @return the HTTP status
   */
  int status() {
    return status;
  }

  /**
   * @return the fixed title
   */
  String title() {
    return title;
  }

  /**
   * @return the short name, e.g. {@code illegal-transition}
   */
  String slug() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /**
   * @return the {@code type} URI, e.g. {@code urn:runs:problem:validation}
   */
  String uri() {
    return "urn:runs:problem:" + slug();
  }
}
