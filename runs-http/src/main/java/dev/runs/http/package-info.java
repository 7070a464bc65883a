/**
 * HTTP and Server-Sent Events API over a {@link dev.runs.RunOrchestrator}, served by the JDK's
 * built-in HTTP server, and the run-viewer page.
 */
package dev.runs.http;
