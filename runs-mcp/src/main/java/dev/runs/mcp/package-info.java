/**
 * The MCP server of Runs: {@link dev.runs.mcp.RunsMcpServer} lets agents written in any language
 * record their runs into a run store and read them back through the Model Context Protocol, over
 * stdio or streamable HTTP.
 */
@NullMarked
package dev.runs.mcp;

import org.jspecify.annotations.NullMarked;
