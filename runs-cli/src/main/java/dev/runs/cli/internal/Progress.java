package dev.runs.cli.internal;

import dev.runs.TransferListener;
import dev.runs.TransferProgress;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * Shows a bulk transfer's progress on standard error: on a terminal one bar redrawn in place, else
 * one plain line at most every second (and a last one). Called on the transferring thread.
 */
final class Progress implements TransferListener {
  private static final int BAR = 30;
  private final PrintStream err;
  private final boolean terminal;
  private final String verb;
  private long lastLineNanos;
  private boolean drawn;

  Progress(PrintStream err, boolean terminal, String verb) {
    this.err = err;
    this.terminal = terminal;
    this.verb = verb;
  }

  @Override
  public void onProgress(TransferProgress p) {
    if (terminal) {
      err.print("\r" + bar(p) + "  " + text(p) + "\u001b[K");
      err.flush();
      drawn = true;
      return;
    }
    long now = System.nanoTime();
    boolean last = p.runsTotal() > 0 && p.runsSeen() >= p.runsTotal();
    if (last || now - lastLineNanos >= 1_000_000_000L) {
      lastLineNanos = now;
      err.println(verb + " " + text(p));
    }
  }

  /** Ends the bar's line. */
  void done() {
    if (drawn) {
      err.println();
    }
  }

  static String text(TransferProgress p) {
    String total = p.runsTotal() > 0 ? "/" + p.runsTotal() : "";
    String eta = p.eta().map(Progress::eta).orElse("-");
    return String.format(
        Locale.ROOT,
        "%d%s runs (%d skipped, %d failed), %,d events, %.1f runs/s, %.0f events/s, ETA %s",
        p.runsSeen(),
        total,
        p.runsSkipped(),
        p.runsFailed(),
        p.events(),
        p.runsPerSecond(),
        p.eventsPerSecond(),
        eta);
  }

  private static String bar(TransferProgress p) {
    int filled = p.runsTotal() <= 0 ? 0 : (int) Math.min(BAR, BAR * p.runsSeen() / p.runsTotal());
    return "[" + "#".repeat(filled) + ".".repeat(BAR - filled) + "]";
  }

  private static String eta(Duration d) {
    long s = d.toSeconds();
    return s < 60 ? s + " s" : (s / 60) + " m " + (s % 60) + " s";
  }
}
