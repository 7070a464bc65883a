/**
 * The implementation of {@link dev.runs.mcp.RunsMcpServer}: the tools and resources over a run
 * store, the input schemas derived from the event envelope's schema, the change notifier and the
 * streamable HTTP transport on the JDK's HTTP server. Not API: anything here may change without
 * notice.
 */
@NullMarked
package dev.runs.mcp.internal;

import org.jspecify.annotations.NullMarked;
