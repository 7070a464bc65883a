package dev.runs.opentelemetry;

import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/** Renders exported spans as an indented tree with times relative to the demo's start. */
final class SpanTrees {
  private SpanTrees() {}

  static String render(List<SpanData> spans, Instant t0) {
    StringBuilder out = new StringBuilder();
    List<SpanData> roots =
        spans.stream()
            .filter(s -> spans.stream().noneMatch(p -> p.getSpanId().equals(s.getParentSpanId())))
            .sorted(order())
            .collect(Collectors.toList());
    for (SpanData r : roots) {
      render(out, r, spans, t0, 0);
    }
    return out.toString();
  }

  private static Comparator<SpanData> order() {
    return Comparator.comparingLong(SpanData::getStartEpochNanos).thenComparing(SpanData::getName);
  }

  private static void render(
      StringBuilder out, SpanData s, List<SpanData> all, Instant t0, int depth) {
    out.append("  ".repeat(depth))
        .append(s.getName())
        .append(" [")
        .append(sec(s.getStartEpochNanos(), t0))
        .append("..")
        .append(sec(s.getEndEpochNanos(), t0))
        .append("]");
    if (s.getStatus().getStatusCode() == io.opentelemetry.api.trace.StatusCode.ERROR) {
      out.append(" ERROR");
    }
    if (!s.getLinks().isEmpty()) {
      String linked = s.getLinks().get(0).getSpanContext().getSpanId();
      all.stream()
          .filter(o -> o.getSpanId().equals(linked))
          .findFirst()
          .ifPresent(o -> out.append(" link->").append(o.getName()));
    }
    out.append('\n');
    for (EventData e : s.getEvents()) {
      out.append("  ".repeat(depth + 1))
          .append("* ")
          .append(e.getName())
          .append(" @")
          .append(sec(e.getEpochNanos(), t0))
          .append('\n');
    }
    all.stream()
        .filter(c -> c.getParentSpanId().equals(s.getSpanId()))
        .sorted(order())
        .forEach(c -> render(out, c, all, t0, depth + 1));
  }

  private static String sec(long epochNanos, Instant t0) {
    long nanos = epochNanos - (t0.getEpochSecond() * 1_000_000_000L + t0.getNano());
    return nanos % 1_000_000_000L == 0 ? (nanos / 1_000_000_000L) + "s" : nanos + "ns";
  }
}
