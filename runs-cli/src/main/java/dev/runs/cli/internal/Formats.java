package dev.runs.cli.internal;

import dev.runs.RunQuery;
import dev.runs.RunStatus;
import dev.runs.ValidationException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** Parsing and printing of the values commands take and show. */
final class Formats {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT).withZone(ZoneOffset.UTC);
  private static final Pattern AGO = Pattern.compile("(\\d+)(ms|s|m|h|d|w)");

  private Formats() {}

  static String time(Instant t) {
    return TIME.format(t);
  }

  static String duration(Duration d) {
    long ms = d.toMillis();
    if (ms < 1000) {
      return ms + " ms";
    }
    if (ms < 60_000) {
      return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }
    long s = ms / 1000;
    if (s < 3600) {
      return (s / 60) + " m " + (s % 60) + " s";
    }
    return (s / 3600) + " h " + (s % 3600 / 60) + " m";
  }

  static String cost(BigDecimal cost) {
    return cost.signum() == 0 ? "-" : "$" + cost.stripTrailingZeros().toPlainString();
  }

  /**
   * Parses an age such as {@code 30s}, {@code 2h}, {@code 7d}.
   *
   * @throws CliException when malformed
   */
  static Duration age(String option, String text) {
    Matcher m = AGO.matcher(text.trim());
    if (!m.matches()) {
      throw CliException.usage(
          option
              + " '"
              + text
              + "' is not an age; write a number and a unit: 90s, 15m, 2h, 7d, 2w");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      case "d" -> Duration.ofDays(n);
      default -> Duration.ofDays(7 * n);
    };
  }

  /** Parses {@code --since}: an age ({@code 2h}) or an instant ({@code 2026-12-01T00:00:00Z}). */
  static Instant since(String option, String text, Instant now) {
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      return now.minus(age(option, text));
    }
  }

  static RunStatus status(String option, String text) {
    try {
      return RunStatus.fromWireName(text.trim().toLowerCase(Locale.ROOT));
    } catch (RuntimeException e) {
      List<String> names = new ArrayList<>();
      for (RunStatus s : RunStatus.values()) {
        names.add(s.wireName());
      }
      throw CliException.usage(option + ": unknown status '" + text + "'; use one of " + names);
    }
  }

  /** Turns a glob ({@code model.*}) into a regular expression. */
  static Pattern glob(String glob) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      switch (c) {
        case '*' -> b.append(".*");
        case '?' -> b.append('.');
        default -> b.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(b.toString());
  }

  /** A run filter: the server-side query plus what is checked per run. */
  record Filter(
      RunQuery.Builder query,
      Optional<String> workflow,
      Optional<String> version,
      Map<String, String> labels) {

    boolean matches(dev.runs.RunEntry e) {
      var w = e.record().workflow();
      if (workflow.isPresent() && !w.name().equals(workflow.get())) {
        return false;
      }
      if (version.isPresent() && !w.version().equals(version.get())) {
        return false;
      }
      for (Map.Entry<String, String> l : labels.entrySet()) {
        if (!l.getValue().equals(e.record().labels().get(l.getKey()))) {
          return false;
        }
      }
      return true;
    }
  }

  /** Builds a filter from the ls options (each may be null). */
  static Filter filter(
      @Nullable String namespace,
      @Nullable String thread,
      List<String> statuses,
      @Nullable String workflow,
      Map<String, String> labels,
      @Nullable String since,
      Instant now) {
    return filter(namespace, thread, statuses, workflow, labels, since, now, false);
  }

  /** What a message calls a filter: the ls option, or the term of a batch query. */
  private static String name(boolean query, String key) {
    return query ? "--query term " + key + "=" : "--" + key;
  }

  private static Filter filter(
      @Nullable String namespace,
      @Nullable String thread,
      List<String> statuses,
      @Nullable String workflow,
      Map<String, String> labels,
      @Nullable String since,
      Instant now,
      boolean query) {
    RunQuery.Builder q = RunQuery.builder();
    try {
      if (namespace != null) {
        q.namespace(namespace);
      }
    } catch (ValidationException e) {
      throw CliException.usage(name(query, "namespace") + ": " + e.getMessage());
    }
    try {
      if (thread != null) {
        q.threadKey(thread);
      }
    } catch (ValidationException e) {
      throw CliException.usage(name(query, "thread") + ": " + e.getMessage());
    }
    if (!statuses.isEmpty()) {
      List<RunStatus> parsed = new ArrayList<>();
      for (String s : statuses) {
        for (String part : s.split(",", -1)) {
          if (!part.isBlank()) {
            parsed.add(status(name(query, "status"), part));
          }
        }
      }
      q.status(parsed.toArray(RunStatus[]::new));
    }
    if (since != null) {
      q.createdFrom(since(name(query, "since"), since, now));
    }
    Optional<String> name = Optional.empty();
    Optional<String> version = Optional.empty();
    if (workflow != null) {
      int at = workflow.lastIndexOf('@');
      name = Optional.of(at < 0 ? workflow : workflow.substring(0, at));
      version = at < 0 ? Optional.empty() : Optional.of(workflow.substring(at + 1));
    }
    // the store filters on them; Filter.matches checks them again at no cost
    try {
      if (name.isPresent()) {
        if (version.isPresent()) {
          q.workflow(name.get(), version.get());
        } else {
          q.workflow(name.get());
        }
      }
    } catch (ValidationException e) {
      throw CliException.usage(name(query, "workflow") + ": " + e.getMessage());
    }
    try {
      labels.forEach(q::label);
    } catch (ValidationException e) {
      throw CliException.usage(name(query, "label") + ": " + e.getMessage());
    }
    return new Filter(q, name, version, Map.copyOf(labels));
  }

  /**
   * Parses a batch query such as {@code status=interrupted workflow=etl@2 label.team=data
   * namespace=acme thread=t1 since=2h}.
   */
  static Filter query(String text, Instant now) {
    @Nullable String namespace = null;
    @Nullable String thread = null;
    @Nullable String workflow = null;
    @Nullable String since = null;
    List<String> statuses = new ArrayList<>();
    Map<String, String> labels = new LinkedHashMap<>();
    for (String term : text.trim().split("\\s+", -1)) {
      if (term.isEmpty()) {
        continue;
      }
      int eq = term.indexOf('=');
      if (eq <= 0) {
        throw CliException.usage(
            "--query term '"
                + term
                + "' is not key=value; e.g. --query 'status=interrupted workflow=etl@2'");
      }
      String key = term.substring(0, eq);
      String value = term.substring(eq + 1);
      switch (key) {
        case "status" -> statuses.add(value);
        case "workflow" -> workflow = value;
        case "namespace" -> namespace = value;
        case "thread" -> thread = value;
        case "since" -> since = value;
        default -> {
          if (key.startsWith("label.")) {
            labels.put(key.substring(6), value);
          } else {
            throw CliException.usage(
                "--query: unknown key '"
                    + key
                    + "'; use status, workflow, namespace, thread, since or label.<name>");
          }
        }
      }
    }
    return filter(namespace, thread, statuses, workflow, labels, since, now, true);
  }
}
