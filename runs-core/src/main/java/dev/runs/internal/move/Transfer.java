package dev.runs.internal.move;

import dev.runs.TransferListener;
import dev.runs.TransferProgress;
import dev.runs.TransferReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Counts of a bulk transfer, reported to a listener after each run. Not thread-safe. */
final class Transfer {
  private static final Logger log = LoggerFactory.getLogger(Transfer.class);

  private final long started = System.nanoTime();
  private final TransferListener listener;
  private final long total;
  private long done;
  private long skipped;
  private long failed;
  private long events;
  private long bytes;
  private final List<TransferReport.Failure> failures = new ArrayList<>();
  private boolean listenerWarned;

  Transfer(long total, TransferListener listener) {
    this.total = total;
    this.listener = listener;
  }

  void done(long eventCount, long byteCount) {
    done++;
    events += eventCount;
    bytes += byteCount;
    tell();
  }

  void skipped() {
    skipped++;
    tell();
  }

  void failed(String item, Exception e) {
    failed++;
    failures.add(new TransferReport.Failure(item, String.valueOf(e.getMessage())));
    log.debug("transfer of {} failed", item, e);
    tell();
  }

  TransferProgress progress() {
    return new TransferProgress(
        total, done, skipped, failed, events, bytes, Duration.ofNanos(System.nanoTime() - started));
  }

  private void tell() {
    try {
      listener.onProgress(progress());
    } catch (RuntimeException e) {
      if (!listenerWarned) {
        listenerWarned = true;
        log.warn("transfer listener {} failed (ignored from now on)", listener, e);
      }
    }
  }

  TransferReport report() {
    return new TransferReport(progress(), failures);
  }
}
