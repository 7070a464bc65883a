package dev.runs;

/**
 * A run was asked for, or asked to be created or imported again, after it was deleted ({@code
 * RunStore.delete}). It is a {@link RunNotFoundException}, so code that handles missing runs
 * handles deleted ones; the {@link #tombstone()} says when and why. Importing a bundle of a deleted
 * run again needs {@code force}.
 */
public final class RunDeletedException extends RunNotFoundException {
  private static final long serialVersionUID = 1L;

  private final transient Tombstone tombstone;

  /**
   * @param tombstone what is left of the run
   * @param action what was refused, e.g. {@code "read"}
   */
  public RunDeletedException(Tombstone tombstone, String action) {
    super(
        tombstone.runId(),
        "run "
            + tombstone.runId()
            + " was deleted at "
            + tombstone.deletedAt()
            + " ("
            + tombstone.reason()
            + ") and cannot be "
            + action
            + (action.startsWith("import") ? "; import with force to bring it back" : ""));
    this.tombstone = tombstone;
  }

  /**
   * @return when and why the run was deleted
   */
  public Tombstone tombstone() {
    return tombstone;
  }
}
