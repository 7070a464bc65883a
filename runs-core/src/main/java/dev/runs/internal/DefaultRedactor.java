package dev.runs.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.runs.Payload;
import dev.runs.Redactor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The default {@link Redactor}: masks fields named like secrets and secret-shaped substrings. A
 * cheap scan of the JSON text skips payloads that cannot contain a secret, so the common case costs
 * one pass over the text and no parsing.
 */
public final class DefaultRedactor implements Redactor {
  /** The shared instance. */
  public static final DefaultRedactor INSTANCE = new DefaultRedactor();

  /**
   * Lowercase fragments at least one of which every secret we mask contains, where a {@code -} or
   * {@code _} may split them: field names are compared without those separators ({@link
   * #isSecretName}), so {@code pa-ss_word} must pass the pre-scan like {@code password}.
   */
  private static final String[] WORD_HINTS = {
    "pass",
    "secret",
    "token",
    "api",
    "key",
    "auth",
    "bearer",
    "credential",
    "cookie",
    "akia",
    "xox",
    "eyj"
  };

  /** Fragments of secret-shaped values that hold a separator themselves: compared as they are. */
  private static final String[] EXACT_HINTS = {
    "-----begin", "sk-", "ghp_", "gho_", "ghu_", "ghs_", "ghr_"
  };

  /** The word hints by their first character, for {@link #mayContainSecret}. */
  private static final String[][] WORD_FIRST = new String[128][];

  /** Which (first, second) lowercase character pairs start a word hint. */
  private static final boolean[] WORD_PAIRS = new boolean[128 * 128];

  /** The exact hints by their first character. */
  private static final String[][] EXACT_FIRST = new String[128][];

  /** Which (first, second) lowercase character pairs start an exact hint. */
  private static final boolean[] EXACT_PAIRS = new boolean[128 * 128];

  static {
    index(WORD_HINTS, WORD_FIRST, WORD_PAIRS);
    index(EXACT_HINTS, EXACT_FIRST, EXACT_PAIRS);
  }

  private static void index(String[] hints, String[][] first, boolean[] pairs) {
    for (String hint : hints) {
      pairs[(hint.charAt(0) << 7) | hint.charAt(1)] = true;
      char f = hint.charAt(0);
      String[] prev = first[f];
      String[] next = prev == null ? new String[1] : java.util.Arrays.copyOf(prev, prev.length + 1);
      next[next.length - 1] = hint;
      first[f] = next;
    }
  }

  private static final Pattern SECRET_VALUES =
      Pattern.compile(
          "(?s)-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?-----END [A-Z0-9 ]*PRIVATE KEY-----"
              + "|(?i:bearer)\\s+[A-Za-z0-9._~+/=-]{8,}"
              + "|\\bsk-[A-Za-z0-9_-]{16,}"
              + "|\\bAKIA[0-9A-Z]{16}\\b"
              + "|\\bgh[pousr]_[A-Za-z0-9]{30,}"
              + "|\\bxox[abprs]-[A-Za-z0-9-]{10,}"
              + "|\\beyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}");

  private DefaultRedactor() {}

  @Override
  public Payload redact(Payload payload) {
    String json = payload.json();
    if (!mayContainSecret(json)) {
      return payload;
    }
    ObjectNode copy = payload.toJsonNode();
    if (!redactNode(copy)) {
      return payload;
    }
    return Payload.of(copy);
  }

  /**
   * One pass, no allocation: a table of the hints' first two characters (lowercased) rules out
   * almost every position with one character read and one array read; only where a pair matches are
   * the hints starting there compared. Word hints are followed across {@code -} and {@code _} (the
   * pair is the last letter before the separators and the next one), exact hints are not.
   *
   * @return false only when the payload holds nothing {@link #redactNode} would mask
   */
  static boolean mayContainSecret(String json) {
    int n = json.length();
    if (n < 2) {
      return false;
    }
    int raw = lower(json.charAt(0)); // the previous character
    int word = isSeparator(raw) ? -1 : raw; // the last character that is not a separator
    int wordAt = word < 0 ? -1 : 0;
    for (int i = 1; i < n; i++) {
      int c = lower(json.charAt(i));
      if ((raw | c) < 128 && EXACT_PAIRS[(raw << 7) | c]) {
        for (String hint : EXACT_FIRST[raw]) {
          if (json.regionMatches(true, i - 1, hint, 0, hint.length())) {
            return true;
          }
        }
      }
      raw = c;
      if (isSeparator(c)) {
        continue;
      }
      if (word >= 0 && (word | c) < 128 && WORD_PAIRS[(word << 7) | c]) {
        for (String hint : WORD_FIRST[word]) {
          if (matchesAcrossSeparators(json, wordAt, hint)) {
            return true;
          }
        }
      }
      word = c;
      wordAt = i;
    }
    return false;
  }

  /** Whether {@code hint} starts at {@code at}, ignoring case and {@code -}/{@code _} inside it. */
  private static boolean matchesAcrossSeparators(String text, int at, String hint) {
    int j = at;
    for (int k = 0; k < hint.length(); k++) {
      while (k > 0 && j < text.length() && isSeparator(text.charAt(j))) {
        j++;
      }
      if (j >= text.length() || lower(text.charAt(j)) != hint.charAt(k)) {
        return false;
      }
      j++;
    }
    return true;
  }

  private static boolean isSeparator(int c) {
    return c == '-' || c == '_';
  }

  private static int lower(char c) {
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
  }

  /** Redacts in place; returns true when anything changed. */
  static boolean redactNode(JsonNode node) {
    boolean changed = false;
    if (node instanceof ObjectNode o) {
      List<String> names = new ArrayList<>();
      o.fieldNames().forEachRemaining(names::add);
      for (String name : names) {
        JsonNode v = o.get(name);
        if (isSecretName(name)
            && !(v.isTextual() && Redactor.MASK.equals(v.textValue()))
            && !v.isNull()
            && !v.isBoolean()) {
          o.put(name, Redactor.MASK);
          changed = true;
        } else if (v.isTextual()) {
          String masked = maskText(v.textValue());
          if (masked != null) {
            o.set(name, TextNode.valueOf(masked));
            changed = true;
          }
        } else if (v.isContainerNode()) {
          changed |= redactNode(v);
        }
      }
    } else if (node instanceof ArrayNode a) {
      for (int i = 0; i < a.size(); i++) {
        JsonNode v = a.get(i);
        if (v.isTextual()) {
          String masked = maskText(v.textValue());
          if (masked != null) {
            a.set(i, TextNode.valueOf(masked));
            changed = true;
          }
        } else if (v.isContainerNode()) {
          changed |= redactNode(v);
        }
      }
    }
    return changed;
  }

  private static @Nullable String maskText(String text) {
    if (!mayContainSecret(text)) {
      return null;
    }
    Matcher m = SECRET_VALUES.matcher(text);
    if (!m.find()) {
      return null;
    }
    StringBuilder b = new StringBuilder();
    do {
      String hit = m.group();
      String replacement =
          hit.regionMatches(true, 0, "bearer", 0, 6)
              ? hit.substring(0, 6) + " " + Redactor.MASK
              : Redactor.MASK;
      m.appendReplacement(b, Matcher.quoteReplacement(replacement));
    } while (m.find());
    m.appendTail(b);
    return b.toString();
  }

  /**
   * Tells whether a field name looks like it holds a secret.
   *
   * @param name a field name
   * @return true for password-, secret-, key- and token-like names
   */
  static boolean isSecretName(String name) {
    String n = name.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
    if (n.contains("password")
        || n.contains("passwd")
        || n.contains("secret")
        || n.contains("apikey")
        || n.contains("accesskey")
        || n.contains("privatekey")
        || n.contains("credential")
        || n.equals("authorization")
        || n.equals("auth")
        || n.equals("cookie")
        || n.equals("setcookie")) {
      return true;
    }
    return n.equals("token") || (n.endsWith("token") && !n.endsWith("tokens"));
  }
}
