package dev.runs;

/**
 * Told how a bulk transfer progresses, after each run, on the thread doing the transfer. Keep it
 * quick; an exception it throws is logged and ignored.
 */
@FunctionalInterface
public interface TransferListener {
  /** A listener that ignores progress. */
  TransferListener NONE = p -> {};

  /**
   * @param progress the counts so far
   */
  void onProgress(TransferProgress progress);
}
