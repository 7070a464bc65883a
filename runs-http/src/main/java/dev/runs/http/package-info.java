/**
 * HTTP and Server-Sent Events API over a {@link dev.runs.RunOrchestrator}, served by the JDK's
 * built-in HTTP server, with the run-viewer page at {@code /}. {@link dev.runs.http.RunsHttpServer}
 * starts it and {@link dev.runs.http.Authenticator} is the hook that checks callers; everything
 * else is package-private: the request handling, a router ({@code RunsApi}) and one resource class
 * per noun ({@code RunsResource}, {@code EventsResource}, {@code StagesResource}, {@code
 * RunActionsResource}, {@code RecommendationsResource}, {@code WorkflowsResource}), is written once
 * over a small transport-neutral request/response pair ({@code ApiRequest}, {@code ApiResponse})
 * that {@code JdkTransport} adapts to {@code com.sun.net.httpserver}. Endpoints, problem types and
 * SSE semantics are described in {@code docs/http.md}.
 */
@NullMarked
package dev.runs.http;

import org.jspecify.annotations.NullMarked;
