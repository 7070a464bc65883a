package dev.runs.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.internal.Taxonomy.Entry;
import dev.runs.internal.Taxonomy.Field;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Writes the parts of the JSON Schema and of {@code docs/events.md} that are derived from the
 * payload records ({@link Taxonomy}): the schema's {@code allOf} rules and the {@code $defs} they
 * use, and the payload tables between the {@code <!-- generated from the payload records: ... -->}
 * markers of the doc. Everything else of both files (the envelope, the prose) is kept as it is.
 * Field descriptions in the doc are the records' {@code @param} javadoc, read from the sources.
 */
final class TaxonomyFiles {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final Pattern TABLE =
      Pattern.compile(
          "(<!-- generated from the payload records: ([^>]*?) -->\n)(.*?)(<!-- end generated -->)",
          Pattern.DOTALL);

  private final Path moduleDir;

  /**
   * @param moduleDir the {@code runs-core} directory
   */
  TaxonomyFiles(Path moduleDir) {
    this.moduleDir = moduleDir;
  }

  /**
   * @return the checked-in JSON Schema
   */
  Path schemaFile() {
    return moduleDir.resolve("src/main/resources/dev/runs/schema/runs-event-1.schema.json");
  }

  /**
   * @return the checked-in event reference
   */
  Path eventsDocFile() {
    return moduleDir.resolveSibling("docs").resolve("events.md");
  }

  /**
   * @return the source of {@code EventTypes}
   */
  Path eventTypesSource() {
    return moduleDir.resolve("src/main/java/dev/runs/EventTypes.java");
  }

  // ---- the JSON Schema --------------------------------------------------------------------

  /**
   * @param current the checked-in schema
   * @return the schema with its {@code allOf} and generated {@code $defs} derived from the records
   */
  static String schema(String current) {
    ObjectNode root;
    try {
      root = (ObjectNode) JSON.readTree(current);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, JsonNode> defs = new LinkedHashMap<>();
    Set<String> envelopeRefs = new HashSet<>();
    collectRefs(root.path("properties"), envelopeRefs);
    root.path("$defs")
        .properties()
        .forEach(
            e -> {
              if (envelopeRefs.contains(e.getKey())) {
                defs.put(e.getKey(), e.getValue());
              }
            });
    ObjectNode name =
        NODES
            .objectNode()
            .put("description", "A non-empty string with at least one non-space character.")
            .put("type", "string")
            .put("pattern", "\\S");
    defs.put("name", name);
    defs.put("non_negative_integer", NODES.objectNode().put("type", "integer").put("minimum", 0));
    defs.put("non_negative_number", NODES.objectNode().put("type", "number").put("minimum", 0));

    ArrayNode allOf = NODES.arrayNode();
    List<Entry> entries = Taxonomy.entries();
    List<String> step =
        entries.stream().filter(Entry::needsStep).map(e -> e.type().name()).toList();
    List<String> attempt =
        entries.stream().filter(Entry::needsAttempt).map(e -> e.type().name()).toList();
    allOf.add(
        rule(
            "these types belong to a step or phase (@Envelope(stepId = true)):"
                + " step_id is required",
            step,
            requiredEnvelope("step_id")));
    allOf.add(
        rule(
            "these types also carry the step's attempt (@Envelope(attempt = true))",
            attempt,
            requiredEnvelope("attempt")));

    Map<JsonNode, List<Entry>> groups = new LinkedHashMap<>();
    for (Entry e : entries) {
      if (e.checkedFields().isEmpty()) {
        continue;
      }
      ObjectNode then = NODES.objectNode();
      then.putObject("properties").set("payload", objectSchema(e, "", defs));
      groups.computeIfAbsent(then, k -> new ArrayList<>()).add(e);
    }
    groups.forEach(
        (then, group) ->
            allOf.add(
                rule(
                    "payload of "
                        + group.stream()
                            .map(e -> e.record().getSimpleName())
                            .collect(Collectors.joining(", ")),
                    group.stream().map(e -> e.type().name()).toList(),
                    (ObjectNode) then)));

    root.set("allOf", allOf);
    ObjectNode defsNode = NODES.objectNode();
    defs.forEach(defsNode::set);
    root.set("$defs", defsNode);
    StringBuilder out = new StringBuilder();
    print(root, 0, out);
    return out.append('\n').toString();
  }

  private static ObjectNode requiredEnvelope(String field) {
    ObjectNode then = NODES.objectNode();
    then.putArray("required").add(field);
    return then;
  }

  private static ObjectNode rule(String comment, List<String> types, ObjectNode then) {
    ObjectNode rule = NODES.objectNode().put("$comment", comment);
    ObjectNode cond = rule.putObject("if");
    ObjectNode type = cond.putObject("properties").putObject("type");
    if (types.size() == 1) {
      type.put("const", types.get(0));
    } else {
      ArrayNode values = type.putArray("enum");
      types.forEach(values::add);
    }
    cond.putArray("required").add("type");
    rule.set("then", then);
    return rule;
  }

  /** The schema of the object at {@code prefix} (the payload, or a nested record's field). */
  private static ObjectNode objectSchema(Entry e, String prefix, Map<String, JsonNode> defs) {
    ObjectNode schema = NODES.objectNode();
    if (!prefix.isEmpty()) {
      schema.put("type", "object");
    }
    List<Field> children =
        e.checkedFields().stream()
            .filter(f -> f.path().startsWith(prefix) && f.path().indexOf('.', prefix.length()) < 0)
            .toList();
    List<String> required =
        children.stream()
            .filter(Field::required)
            .map(f -> f.path().substring(prefix.length()))
            .toList();
    if (!required.isEmpty()) {
      ArrayNode array = schema.putArray("required");
      required.forEach(array::add);
    }
    ObjectNode properties = schema.putObject("properties");
    for (Field f : children) {
      properties.set(f.path().substring(prefix.length()), fieldSchema(e, f, defs));
    }
    return schema;
  }

  private static JsonNode fieldSchema(Entry e, Field f, Map<String, JsonNode> defs) {
    ObjectNode s = NODES.objectNode();
    switch (f.kind()) {
      case NAME -> {
        if (f.allowed().isEmpty()) {
          s.put("$ref", "#/$defs/name");
        } else {
          ArrayNode values = s.putArray("enum");
          f.allowed().forEach(values::add);
        }
      }
      case TEXT, TIME -> s.put("type", "string");
      case INTEGER -> {
        if (f.nonNegative()) {
          s.put("$ref", "#/$defs/non_negative_integer");
        } else {
          s.put("type", "integer");
        }
      }
      case NUMBER -> {
        if (f.nonNegative()) {
          s.put("$ref", "#/$defs/non_negative_number");
        } else {
          s.put("type", "number");
        }
      }
      case BOOLEAN -> s.put("type", "boolean");
      case OBJECT -> {
        if (!f.value().isRecord()) {
          s.put("type", "object");
        } else {
          String def = f.path().substring(f.path().lastIndexOf('.') + 1);
          ObjectNode nested =
              NODES
                  .objectNode()
                  .put(
                      "$comment",
                      "the fields of " + f.value().getSimpleName() + " an append checks");
          nested.setAll(objectSchema(e, f.path() + ".", defs));
          JsonNode before = defs.putIfAbsent(def, nested);
          if (before != null && !before.equals(nested)) {
            throw new IllegalStateException(
                "two different schemas for $defs/" + def + "; rename one of the fields");
          }
          s.put("$ref", "#/$defs/" + def);
        }
      }
      case ANY -> {
        // any JSON value
      }
      default -> throw new IllegalStateException(f.kind().name());
    }
    return s;
  }

  private static void collectRefs(JsonNode node, Set<String> out) {
    if (node.isObject()) {
      node.properties()
          .forEach(
              e -> {
                if (e.getKey().equals("$ref") && e.getValue().asText().startsWith("#/$defs/")) {
                  out.add(e.getValue().asText().substring("#/$defs/".length()));
                } else {
                  collectRefs(e.getValue(), out);
                }
              });
    } else if (node.isArray()) {
      node.forEach(n -> collectRefs(n, out));
    }
  }

  /** Prints JSON as the schema file lays it out: one member a line, scalar arrays inline. */
  private static void print(JsonNode n, int indent, StringBuilder out) {
    String pad = " ".repeat(indent + 2);
    if (n.isObject()) {
      if (n.isEmpty()) {
        out.append("{}");
        return;
      }
      out.append("{\n");
      var it = n.properties().iterator();
      while (it.hasNext()) {
        var e = it.next();
        out.append(pad).append(NODES.textNode(e.getKey())).append(": ");
        print(e.getValue(), indent + 2, out);
        out.append(it.hasNext() ? ",\n" : "\n");
      }
      out.append(" ".repeat(indent)).append('}');
    } else if (n.isArray()) {
      boolean scalars = true;
      for (JsonNode item : n) {
        scalars &= item.isValueNode();
      }
      if (scalars) {
        List<String> items = new ArrayList<>();
        n.forEach(item -> items.add(item.toString()));
        out.append('[').append(String.join(", ", items)).append(']');
        return;
      }
      out.append("[\n");
      for (int i = 0; i < n.size(); i++) {
        out.append(pad);
        print(n.get(i), indent + 2, out);
        out.append(i < n.size() - 1 ? ",\n" : "\n");
      }
      out.append(" ".repeat(indent)).append(']');
    } else {
      out.append(n);
    }
  }

  // ---- docs/events.md ---------------------------------------------------------------------------

  /**
   * @param current the checked-in doc
   * @return the doc with every generated table rebuilt from the records
   * @throws IllegalStateException when a type is in no table or in two
   */
  String eventsDoc(String current) {
    Map<String, String> placed = new LinkedHashMap<>();
    Matcher m = TABLE.matcher(current);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String selector = m.group(2).trim();
      List<Entry> entries =
          Taxonomy.entries().stream().filter(e -> selects(selector, e.type().name())).toList();
      for (Entry e : entries) {
        String before = placed.put(e.type().name(), selector);
        if (before != null) {
          throw new IllegalStateException(
              e.type()
                  + " is in two generated tables of events.md: '"
                  + before
                  + "' and '"
                  + selector
                  + "'");
        }
      }
      m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + table(entries) + m.group(4)));
    }
    m.appendTail(out);
    for (Entry e : Taxonomy.entries()) {
      if (!placed.containsKey(e.type().name())) {
        throw new IllegalStateException(
            e.type()
                + " is in no generated table of events.md; add it"
                + " to a '<!-- generated from the payload records: ... -->' marker");
      }
    }
    return out.toString();
  }

  private static boolean selects(String selector, String type) {
    for (String s : selector.split("\\s+", -1)) {
      if (s.endsWith(".*") ? type.startsWith(s.substring(0, s.length() - 1)) : type.equals(s)) {
        return true;
      }
    }
    return false;
  }

  private String table(List<Entry> entries) {
    boolean envelope = entries.stream().anyMatch(Entry::needsStep);
    StringBuilder out = new StringBuilder();
    out.append(
        envelope
            ? """
            | type | record | envelope | field | kind | required | meaning |
            | --- | --- | --- | --- | --- | --- | --- |
            """
            : """
            | type | record | field | kind | required | meaning |
            | --- | --- | --- | --- | --- | --- |
            """);
    for (Entry e : entries) {
      boolean first = true;
      for (Field f : e.fields()) {
        List<String> cells = new ArrayList<>();
        cells.add(first ? "`" + e.type().name() + "`" : "");
        cells.add(first ? "`" + e.record().getSimpleName() + "`" : "");
        if (envelope) {
          cells.add(
              !first || !e.needsStep()
                  ? ""
                  : e.needsAttempt() ? "`step_id`, `attempt`" : "`step_id`");
        }
        cells.add("`" + f.path() + "`");
        cells.add(kind(f));
        cells.add(f.required() ? "**yes**" : f.checked() ? "no (checked when present)" : "no");
        cells.add(meaning(f.component()));
        for (String cell : cells) {
          out.append(cell.isEmpty() ? "| " : "| " + cell + " ");
        }
        out.append("|\n");
        first = false;
      }
    }
    return out.toString();
  }

  private static String kind(Field f) {
    if (!f.allowed().isEmpty()) {
      List<String> values = f.allowed().stream().map(v -> "`" + v + "`").toList();
      if (values.size() == 1) {
        return values.get(0);
      }
      return String.join(", ", values.subList(0, values.size() - 1))
          + " or "
          + values.get(values.size() - 1);
    }
    String atLeastZero = f.nonNegative() ? " ≥ 0" : "";
    return switch (f.kind()) {
      case NAME -> "name";
      case TEXT -> "text";
      case INTEGER -> "integer" + atLeastZero;
      case NUMBER -> {
        yield "number"
            + atLeastZero
            + (f.value() == long.class || f.value() == int.class ? " (whole in the record)" : "");
      }
      case BOOLEAN -> "boolean";
      case OBJECT -> "object";
      case TIME -> "time";
      case ANY -> "any";
    };
  }

  // ---- javadoc of the records -------------------------------------------------------------------

  private final Map<Class<?>, Map<String, String>> params = new LinkedHashMap<>();

  /** The component's {@code @param} text, as markdown, without the Java-only "copied" notes. */
  private String meaning(RecordComponent c) {
    Class<?> record = c.getDeclaringRecord();
    String text = params.computeIfAbsent(record, this::readParams).get(c.getName());
    if (text == null) {
      throw new IllegalStateException(record.getName() + " has no @param for " + c.getName());
    }
    List<String> clauses = new ArrayList<>();
    for (String clause : markdown(text, record).split(";\\s*", -1)) {
      if (!clause.startsWith("copied")) {
        clauses.add(clause);
      }
    }
    return String.join("; ", clauses).replace("|", "\\|");
  }

  private Map<String, String> readParams(Class<?> record) {
    Class<?> top = record;
    while (top.getEnclosingClass() != null) {
      top = top.getEnclosingClass();
    }
    Path source =
        moduleDir.resolve("src/main/java").resolve(top.getName().replace('.', '/') + ".java");
    String text;
    try {
      text = Files.readString(source);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Matcher decl =
        Pattern.compile("\\brecord\\s+" + record.getSimpleName() + "\\s*\\(").matcher(text);
    if (!decl.find()) {
      throw new IllegalStateException("no record " + record.getSimpleName() + " in " + source);
    }
    int end = text.lastIndexOf("*/", decl.start());
    int start = text.lastIndexOf("/**", end);
    StringBuilder doc = new StringBuilder();
    for (String line : text.substring(start + 3, end).split("\n", -1)) {
      doc.append(line.replaceFirst("^\\s*\\*? ?", "")).append('\n');
    }
    Map<String, String> out = new LinkedHashMap<>();
    Matcher p = Pattern.compile("@param\\s+(\\w+)\\s+(.*?)(?=\n@|$)", Pattern.DOTALL).matcher(doc);
    while (p.find()) {
      out.put(p.group(1), p.group(2).replaceAll("\\s+", " ").trim());
    }
    return out;
  }

  /** Turns javadoc inline tags and entities into markdown. */
  private static String markdown(String javadoc, Class<?> record) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < javadoc.length()) {
      int tag = javadoc.indexOf("{@", i);
      if (tag < 0) {
        out.append(javadoc, i, javadoc.length());
        break;
      }
      out.append(javadoc, i, tag);
      int depth = 0;
      int close = tag;
      for (; close < javadoc.length(); close++) {
        char ch = javadoc.charAt(close);
        if (ch == '{') {
          depth++;
        } else if (ch == '}' && --depth == 0) {
          break;
        }
      }
      String body = javadoc.substring(tag + 2, close);
      int space = body.indexOf(' ');
      String name = space < 0 ? body : body.substring(0, space);
      String arg = space < 0 ? "" : body.substring(space + 1).trim();
      switch (name) {
        case "code", "link", "linkplain" ->
            out.append('`')
                .append(arg.startsWith("#") ? arg.substring(1) : arg.replace('#', '.'))
                .append('`');
        case "value" -> out.append(constant(record, arg));
        default -> out.append(arg);
      }
      i = close + 1;
    }
    return out.toString()
        .replace("&rarr;", "→")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
  }

  private static String constant(Class<?> record, String ref) {
    try {
      return String.valueOf(record.getField(ref.substring(ref.indexOf('#') + 1)).get(null));
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot resolve {@value " + ref + "} of " + record, e);
    }
  }
}
