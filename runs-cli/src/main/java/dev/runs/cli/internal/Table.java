package dev.runs.cli.internal;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** A plain text table: columns padded to their widest cell, ANSI styling not counted. */
final class Table {
  private static final Pattern ANSI = Pattern.compile("\u001b\\[[0-9;]*m");
  private final List<String> headers;
  private final List<List<String>> rows = new ArrayList<>();

  Table(String... headers) {
    this.headers = List.of(headers);
  }

  void row(String... cells) {
    rows.add(List.of(cells));
  }

  boolean isEmpty() {
    return rows.isEmpty();
  }

  void print(PrintStream out, Style style) {
    int[] width = new int[headers.size()];
    for (int i = 0; i < width.length; i++) {
      width[i] = headers.get(i).length();
    }
    for (List<String> r : rows) {
      for (int i = 0; i < width.length; i++) {
        width[i] = Math.max(width[i], visible(r.get(i)));
      }
    }
    List<String> styled = new ArrayList<>();
    for (String h : headers) {
      styled.add(style.bold(h));
    }
    line(out, styled, width);
    for (List<String> r : rows) {
      line(out, r, width);
    }
  }

  private static void line(PrintStream out, List<String> cells, int[] width) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      String c = cells.get(i);
      b.append(c);
      if (i < cells.size() - 1) {
        b.append(" ".repeat(width[i] - visible(c) + 2));
      }
    }
    out.println(b);
  }

  private static int visible(String s) {
    return ANSI.matcher(s).replaceAll("").length();
  }
}
