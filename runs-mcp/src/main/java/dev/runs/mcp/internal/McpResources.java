package dev.runs.mcp.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.RunEntry;
import dev.runs.RunId;
import dev.runs.RunNotFoundException;
import dev.runs.RunQuery;
import dev.runs.RunStore;
import dev.runs.ValidationException;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceTemplateSpecification;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The resources: {@code runs://runs/{namespace}} (a namespace's newest runs), {@code
 * runs://run/{id}} (record and status), {@code runs://run/{id}/events} (the first page of the log)
 * and {@code runs://run/{id}/state} (the fold). Ids and namespaces are percent-encoded in URIs
 * ({@code /} as {@code %2F}), as in the HTTP API. Thread-safe.
 */
public final class McpResources {
  private static final String JSON = "application/json";
  private static final String RUN = "runs://run/";
  private static final String RUNS = "runs://runs/";
  private static final int EVENTS_PAGE = 1000;
  private static final int RUNS_PAGE = 100;

  private final RunStore store;
  private final ObjectMapper mapper;

  /**
   * @param store the store
   * @param mapper the JSON mapper
   */
  public McpResources(RunStore store, ObjectMapper mapper) {
    this.store = store;
    this.mapper = mapper;
  }

  /**
   * @param id a run
   * @return its resource URI
   */
  public static String runUri(RunId id) {
    return RUN + encode(id.value());
  }

  /**
   * @param id a run
   * @return the URIs that change when the run gets events
   */
  public static List<String> changedUris(RunId id) {
    String run = runUri(id);
    return List.of(run, run + "/events", run + "/state", RUNS + encode(id.namespace()));
  }

  /**
   * @return the resource templates
   */
  public List<SyncResourceTemplateSpecification> specifications() {
    return List.of(
        template(
            RUNS + "{namespace}",
            "runs",
            "The newest runs of a namespace (percent-encode '/' as %2F)",
            this::runs),
        template(RUN + "{id}", "run", "A run's record, status and last sequence", this::run),
        template(
            RUN + "{id}/events",
            "run-events",
            "A run's events, the first " + EVENTS_PAGE + " (runs_query_events pages on)",
            uri ->
                McpTools.eventsJson(mapper, store, id(uri, "/events"), 0, EVENTS_PAGE, Set.of())),
        template(
            RUN + "{id}/state",
            "run-state",
            "A run's state folded from its events",
            uri -> McpTools.stateJson(mapper, store.state(id(uri, "/state")))));
  }

  private SyncResourceTemplateSpecification template(
      String uriTemplate, String name, String description, Function<String, ObjectNode> read) {
    McpSchema.ResourceTemplate t =
        McpSchema.ResourceTemplate.builder(uriTemplate, name)
            .description(description)
            .mimeType(JSON)
            .build();
    return new SyncResourceTemplateSpecification(
        t,
        (exchange, request) -> {
          ObjectNode body;
          try {
            body = read.apply(request.uri());
          } catch (ValidationException | RunNotFoundException e) {
            throw McpError.builder(McpSchema.ErrorCodes.INVALID_PARAMS)
                .message(e.getMessage())
                .build();
          }
          McpSchema.ResourceContents contents =
              McpSchema.TextResourceContents.builder(request.uri(), body.toString())
                  .mimeType(JSON)
                  .build();
          return McpSchema.ReadResourceResult.builder(List.of(contents)).build();
        });
  }

  private ObjectNode run(String uri) {
    RunId id = id(uri, "");
    RunEntry e = store.entry(id).orElseThrow(() -> new RunNotFoundException(id));
    ObjectNode o = mapper.createObjectNode();
    o.put("run_id", id.value());
    o.put("status", e.status().wireName());
    o.put("last_sequence", e.lastSequence());
    o.put("updated_at", e.updatedAt().toString());
    try {
      o.set("record", mapper.readTree(e.record().toJson()));
    } catch (java.io.IOException ex) {
      throw new IllegalStateException("a run record that is not JSON", ex);
    }
    return o;
  }

  private ObjectNode runs(String uri) {
    String ns = decode(uri.substring(RUNS.length()));
    return McpTools.runsJson(
        mapper, store.list(RunQuery.builder().namespace(ns).limit(RUNS_PAGE).build()));
  }

  private static RunId id(String uri, String suffix) {
    String rest = uri.substring(RUN.length(), uri.length() - suffix.length());
    try {
      return RunId.of(decode(rest));
    } catch (ValidationException e) {
      throw new ValidationException("uri", "names no valid run id: " + e.rule());
    }
  }

  static String encode(String s) {
    StringBuilder b = new StringBuilder();
    for (byte c : s.getBytes(StandardCharsets.UTF_8)) {
      int u = c & 0xff;
      if ((u >= 'a' && u <= 'z')
          || (u >= 'A' && u <= 'Z')
          || (u >= '0' && u <= '9')
          || u == '-'
          || u == '.'
          || u == '_'
          || u == '~') {
        b.append((char) u);
      } else {
        b.append('%')
            .append(Character.toUpperCase(Character.forDigit(u >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(u & 15, 16)));
      }
    }
    return b.toString();
  }

  static String decode(String s) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < s.length()) {
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          throw new ValidationException("uri", "has a malformed percent escape at " + i);
        }
        out.write(hi * 16 + lo);
        i += 2;
      } else if (c == '%') {
        throw new ValidationException("uri", "has a malformed percent escape at " + i);
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
