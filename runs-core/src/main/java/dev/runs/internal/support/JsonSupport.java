package dev.runs.internal.support;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The one Jackson configuration Runs uses. Default typing stays off, so type hints such as
 * {@code @class} in a payload are plain data and never instantiate anything; only the tree model
 * and explicit record conversion are used. Read constraints are tightened below Jackson's defaults;
 * per-store limits are checked on top.
 */
public final class JsonSupport {
  /** Hard ceiling on nesting depth for any JSON Runs parses. */
  public static final int MAX_PARSE_DEPTH = 256;

  /** Hard ceiling on a single string value. */
  public static final int MAX_STRING_LENGTH = 64 * 1024 * 1024;

  /**
   * Hard ceiling on one document: the largest configurable payload limit plus room for the
   * envelope.
   */
  public static final long MAX_DOCUMENT_LENGTH = 65L * 1024 * 1024;

  /**
   * The longest number, in characters, Runs reads ({@link
   * StreamReadConstraints#getMaxNumberLength}) and so the longest it writes: Runs writes decimals
   * in plain digits ({@link StreamWriteFeature#WRITE_BIGDECIMAL_AS_PLAIN}), so {@code 1e999} is
   * written as 1,000 characters and read back, while {@code 1e1000} would be written as 1,001 and
   * could not be read back. Such a number is refused where it comes in ({@link #parse}, {@link
   * #numberProblem(JsonNode)}).
   */
  public static final int MAX_NUMBER_LENGTH = 1000;

  public static final JsonFactory FACTORY =
      new JsonFactoryBuilder()
          .streamReadConstraints(
              StreamReadConstraints.builder()
                  .maxNestingDepth(MAX_PARSE_DEPTH)
                  .maxStringLength(MAX_STRING_LENGTH)
                  .maxDocumentLength(MAX_DOCUMENT_LENGTH)
                  .maxNumberLength(MAX_NUMBER_LENGTH)
                  .build())
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
          .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
          .build();

  public static final ObjectMapper MAPPER =
      JsonMapper.builder(FACTORY)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
          .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
          .build();

  private JsonSupport() {}

  /**
   * @return a new empty object node
   */
  public static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  /**
   * Parses JSON text.
   *
   * @param json the text
   * @return the tree
   * @throws IOException when the text is not one valid JSON value within the constraints
   */
  public static JsonNode parse(String json) throws IOException {
    try (JsonParser p = FACTORY.createParser(json)) {
      JsonNode node = MAPPER.readTree(p);
      if (node == null || node.isMissingNode()) {
        throw new IOException("no JSON value found");
      }
      if (p.nextToken() != null) {
        throw new IOException("trailing content after the JSON value");
      }
      NumberProblem bad = numberProblem(node);
      if (bad != null) {
        throw new IOException(
            bad.path().isEmpty() ? bad.reason() : bad.reason() + " (at " + bad.path() + ")");
      }
      return node;
    } catch (NumberFormatException e) {
      // Jackson's own refusal of an exponent beyond int's range, which it does not wrap
      throw new IOException(tooLong(Long.MAX_VALUE), e);
    }
  }

  /**
   * Checks a number's text as {@link #parse} would, without reading it: written in plain digits it
   * must be at most {@link #MAX_NUMBER_LENGTH} characters. Only a number with an exponent can grow
   * when written so; its {@code BigDecimal} is made to tell.
   *
   * @param number the text of a JSON number, at most {@link #MAX_NUMBER_LENGTH} characters
   * @return null when {@link #parse} would read it, else why not
   */
  public static @Nullable String numberTooLong(String number) {
    if (number.indexOf('e') < 0 && number.indexOf('E') < 0) {
      return null; // written as it is
    }
    try {
      long length = plainLength(new BigDecimal(number));
      return length > MAX_NUMBER_LENGTH ? tooLong(length) : null;
    } catch (NumberFormatException e) {
      return tooLong(Long.MAX_VALUE); // an exponent beyond int's range
    }
  }

  /**
   * Finds a number in a tree that Runs could not write as a JSON number and read back: one that
   * would be written longer than {@link #MAX_NUMBER_LENGTH} characters (a {@code BigDecimal} such
   * as {@code 1e1000}, a {@code BigInteger} of more than 1,000 digits), or a double that is NaN or
   * infinite (Jackson would write a string), put in by a caller; {@link #parse} refuses a text that
   * reads as such a tree.
   *
   * @param tree the tree
   * @return null when there is none, else where one is and why it is refused
   */
  public static @Nullable NumberProblem numberProblem(JsonNode tree) {
    Found bad = firstBadNumber(tree);
    return bad == null ? null : new NumberProblem(pathTo(tree, bad.node), bad.reason);
  }

  /**
   * A number in a tree that Runs could not write and read back.
   *
   * @param path where it is, as {@code items[3].n} (empty when the tree is the number)
   * @param reason why it is refused
   */
  public record NumberProblem(String path, String reason) {}

  /** A refused number and why. */
  private record Found(JsonNode node, String reason) {}

  private static @Nullable Found firstBadNumber(JsonNode tree) {
    ArrayDeque<JsonNode> todo = new ArrayDeque<>();
    todo.push(tree);
    while (!todo.isEmpty()) {
      JsonNode n = todo.pop();
      if (n.isContainerNode()) {
        for (JsonNode child : n) {
          todo.push(child);
        }
      } else {
        String reason = whyRefused(n);
        if (reason != null) {
          return new Found(n, reason);
        }
      }
    }
    return null;
  }

  private static @Nullable String whyRefused(JsonNode n) {
    if ((n.isDouble() || n.isFloat()) && !Double.isFinite(n.doubleValue())) {
      return "a number is not finite (" + n.doubleValue() + "): JSON has no NaN or infinity";
    } else if (n.isBigDecimal()) {
      long length = plainLength(n.decimalValue());
      if (length > MAX_NUMBER_LENGTH) {
        return tooLong(length);
      }
    } else if (n.isBigInteger() && n.bigIntegerValue().bitLength() > 3300) {
      // (3,300 bits hold at most 994 decimal digits: only a longer one needs its digits counted)
      long length = n.bigIntegerValue().toString().length();
      if (length > MAX_NUMBER_LENGTH) {
        return tooLong(length);
      }
    }
    return null;
  }

  /** A node's path in a tree, found by identity; walked only once a bad number is found. */
  @SuppressWarnings("ReferenceEquality") // that very node, not an equal number elsewhere
  private static String pathTo(JsonNode tree, JsonNode target) {
    record Step(JsonNode node, @Nullable Step parent, @Nullable String key, int index) {}
    ArrayDeque<Step> todo = new ArrayDeque<>();
    todo.push(new Step(tree, null, null, -1));
    while (!todo.isEmpty()) {
      Step s = todo.pop();
      if (s.node == target) {
        ArrayDeque<Step> chain = new ArrayDeque<>();
        for (Step at = s; at.parent != null; at = at.parent) {
          chain.push(at);
        }
        StringBuilder path = new StringBuilder();
        for (Step at : chain) {
          if (at.key != null) {
            path.append(path.length() == 0 ? "" : ".").append(at.key);
          } else {
            path.append('[').append(at.index).append(']');
          }
        }
        return path.toString();
      }
      if (s.node.isObject()) {
        for (Map.Entry<String, JsonNode> e : s.node.properties()) {
          todo.push(new Step(e.getValue(), s, e.getKey(), -1));
        }
      } else if (s.node.isArray()) {
        for (int i = 0; i < s.node.size(); i++) {
          todo.push(new Step(s.node.get(i), s, null, i));
        }
      }
    }
    return "";
  }

  /** The length of a decimal's plain form, as {@code toPlainString} would make it, without it. */
  private static long plainLength(BigDecimal v) {
    long digits = v.signum() == 0 ? 1 : v.precision();
    long scale = v.scale();
    long length;
    if (scale <= 0) {
      length = v.signum() == 0 ? 1 : digits - scale;
    } else {
      length = scale >= digits ? scale + 2 : digits + 1; // "0." and zeros, or a point inside
    }
    return length + (v.signum() < 0 ? 1 : 0);
  }

  private static String tooLong(long length) {
    return "a number is out of range: Runs writes numbers in plain digits, and this one would take "
        + (length == Long.MAX_VALUE ? "billions of" : String.valueOf(length))
        + " characters, more than the "
        + MAX_NUMBER_LENGTH
        + " Runs reads";
  }

  /**
   * Writes a tree as compact JSON, keys in their order.
   *
   * @param node the tree
   * @return the text
   */
  public static String write(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Returns the canonical form of a tree: object keys sorted by code point at every level, compact,
   * numbers in their exact plain form. Two trees with the same content in any key order have the
   * same canonical text.
   *
   * @param node the tree
   * @return the canonical text
   */
  public static String canonical(JsonNode node) {
    return write(sortKeys(node));
  }

  /**
   * Returns a copy of the tree with object keys sorted at every level.
   *
   * @param node the tree
   * @return the sorted copy
   */
  public static JsonNode sortKeys(JsonNode node) {
    if (node.isObject()) {
      TreeMap<String, JsonNode> sorted = new TreeMap<>();
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        sorted.put(e.getKey(), sortKeys(e.getValue()));
      }
      ObjectNode out = object();
      sorted.forEach(out::set);
      return out;
    }
    if (node.isArray()) {
      var out = MAPPER.createArrayNode();
      for (JsonNode child : node) {
        out.add(sortKeys(child));
      }
      return out;
    }
    if (node.isNumber()) {
      return canonicalNumber(node);
    }
    return node;
  }

  private static JsonNode canonicalNumber(JsonNode node) {
    if (node.isIntegralNumber()) {
      return JsonNodeFactory.instance.numberNode(node.bigIntegerValue());
    }
    java.math.BigDecimal d = node.decimalValue().stripTrailingZeros();
    if (d.scale() <= 0 && d.precision() - d.scale() <= 30) {
      return JsonNodeFactory.instance.numberNode(d.toBigIntegerExact());
    }
    return JsonNodeFactory.instance.numberNode(d);
  }

  /**
   * Finds an unpaired UTF-16 surrogate (from a {@code "\\ud800"} escape or a broken Java string):
   * such text cannot be written as UTF-8, so a store would keep something other than what it
   * acknowledged. Callers refuse such text naming their field.
   *
   * @param text JSON text
   * @return the index of the first unpaired surrogate, or -1 when the text is well-formed
   */
  public static int firstUnpairedSurrogate(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c)
            && i + 1 < text.length()
            && Character.isLowSurrogate(text.charAt(i + 1))) {
          i++;
          continue;
        }
        return i;
      }
    }
    return -1;
  }

  /**
   * Returns the nesting depth of a tree (a scalar is 0, {@code {}} is 1), without recursion, so any
   * tree built in Java can be measured.
   *
   * @param node the tree
   * @return its depth
   */
  public static int depth(JsonNode node) {
    return depthUpTo(node, Integer.MAX_VALUE);
  }

  /**
   * Measures a tree's nesting depth, stopping as soon as it passes {@code max}; no recursion.
   *
   * @param node the tree
   * @param max the deepest nesting of interest
   * @return the depth when at most {@code max}, else a value above {@code max} (a lower bound)
   */
  public static int depthUpTo(JsonNode node, int max) {
    if (!node.isContainerNode()) {
      return 0;
    }
    ArrayDeque<Iterator<JsonNode>> path = new ArrayDeque<>();
    path.push(node.elements());
    int deepest = 1;
    while (!path.isEmpty()) {
      Iterator<JsonNode> it = path.peek();
      if (!it.hasNext()) {
        path.pop();
        continue;
      }
      JsonNode child = it.next();
      if (child.isContainerNode()) {
        path.push(child.elements());
        deepest = Math.max(deepest, path.size());
        if (deepest > max) {
          return deepest;
        }
      }
    }
    return deepest;
  }
}
