package dev.runs;

/**
 * A store was used after it was closed: a call on a closed {@link RunStore}, an append still queued
 * when it closed, a subscription it ended by closing, or a call on a closed {@link RunOrchestrator}
 * (which stops using its store when closed). Open a new store or orchestrator.
 *
 * <p>Using a closed resource is a programming error, so this extends the JDK's {@link
 * IllegalStateException} (as house style asks for "store is closed") rather than {@link
 * RunsException}: code catching {@code IllegalStateException} keeps working, and an adapter can
 * tell "closed, try another instance" (HTTP 503) from other failures by this type alone.
 */
public final class StoreClosedException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what was closed (the store's redacted location where known) and what ended
   */
  public StoreClosedException(String message) {
    super(message);
  }
}
