package dev.runs;

/**
 * The request is well-formed but collides with what the store holds now: another writer appended
 * first ({@link SequenceConflictException}), the run id or stage attempt is taken ({@link
 * RunAlreadyExistsException}, {@link StageExistsException}), another instance holds the run's lease
 * ({@link RunBusyException}), or the run's status refuses the event ({@link
 * IllegalTransitionException}). Nothing was written. Re-read the run and decide again; sending the
 * same request unchanged succeeds only where the subclass says so (a busy run after its lease
 * expires). Over HTTP these are {@code 409 Conflict}.
 *
 * <p>Not a conflict: a config snapshot that no longer matches its recorded hash ({@link
 * SnapshotMismatchException}) is damage to stored data, a {@link StoreCorruptedException}, and
 * re-reading does not resolve it.
 */
public abstract class ConflictException extends RunsException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception with a message.
   *
   * @param message what collided with what, and what to do next
   */
  protected ConflictException(String message) {
    super(message);
  }
}
