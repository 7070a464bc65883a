package dev.runs;

import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * How a store's append path behaves: the clock that stamps events, the redactor, the limits, and
 * group-commit tuning. The defaults suit most hosts; build others with {@link #builder()}.
 *
 * @param clock stamps event times and record creation (default UTC system clock)
 * @param redactor applied to payloads and configs before writing (default {@link
 *     Redactor#defaults()})
 * @param limits size limits (default {@link StoreLimits#defaults()})
 * @param maxBatchEvents most events one group commit gathers (default 4,096); one append larger
 *     than this still commits whole
 * @param commitLanes number of parallel commit threads; empty lets the store choose (SQLite uses
 *     one, stores with independent per-run files more)
 * @param hashChain whether events get a hash chain link ({@link HashChain}; default on). The store
 *     URI parameter {@code hash_chain=on|off} overrides it
 * @param archive where the store reads runs a {@code RunArchiver} moved out (default none; the
 *     store URI parameter {@code archive=<archive URI>} overrides it). The caller keeps owning it
 *     and closes it after the store
 */
public record RunStoreOptions(
    Clock clock,
    Redactor redactor,
    StoreLimits limits,
    int maxBatchEvents,
    OptionalInt commitLanes,
    boolean hashChain,
    Optional<ArchiveStore> archive) {

  /**
   * Options without an archive.
   *
   * @param clock stamps event times and record creation
   * @param redactor applied to payloads and configs before writing
   * @param limits size limits
   * @param maxBatchEvents most events one group commit gathers
   * @param commitLanes number of parallel commit threads; empty lets the store choose
   * @param hashChain whether events get a hash chain link
   */
  public RunStoreOptions(
      Clock clock,
      Redactor redactor,
      StoreLimits limits,
      int maxBatchEvents,
      OptionalInt commitLanes,
      boolean hashChain) {
    this(clock, redactor, limits, maxBatchEvents, commitLanes, hashChain, Optional.empty());
  }

  /**
   * Options with the hash chain on.
   *
   * @param clock stamps event times and record creation
   * @param redactor applied to payloads and configs before writing
   * @param limits size limits
   * @param maxBatchEvents most events one group commit gathers
   * @param commitLanes number of parallel commit threads; empty lets the store choose
   */
  public RunStoreOptions(
      Clock clock,
      Redactor redactor,
      StoreLimits limits,
      int maxBatchEvents,
      OptionalInt commitLanes) {
    this(clock, redactor, limits, maxBatchEvents, commitLanes, true);
  }

  /** Validates the options. */
  public RunStoreOptions {
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(redactor, "redactor");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(commitLanes, "commitLanes");
    Objects.requireNonNull(archive, "archive");
    if (maxBatchEvents < 1 || maxBatchEvents > 1_000_000) {
      throw new IllegalArgumentException(
          "maxBatchEvents must be 1 to 1,000,000 but was " + maxBatchEvents);
    }
    if (commitLanes.isPresent() && (commitLanes.getAsInt() < 1 || commitLanes.getAsInt() > 64)) {
      throw new IllegalArgumentException(
          "commitLanes must be 1 to 64 but was " + commitLanes.getAsInt());
    }
  }

  /**
   * @return the defaults
   */
  public static RunStoreOptions defaults() {
    return builder().build();
  }

  /**
   * @return a builder starting from the defaults
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * @return a builder starting from these options
   */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.clock = clock;
    b.redactor = redactor;
    b.limits = limits;
    b.maxBatchEvents = maxBatchEvents;
    b.commitLanes = commitLanes;
    b.hashChain = hashChain;
    b.archive = archive;
    return b;
  }

  /** Builds {@link RunStoreOptions}. Not thread-safe; each setter fails fast. */
  public static final class Builder {
    private Clock clock = Clock.systemUTC();
    private Redactor redactor = Redactor.defaults();
    private StoreLimits limits = StoreLimits.defaults();
    private int maxBatchEvents = 4096;
    private OptionalInt commitLanes = OptionalInt.empty();
    private boolean hashChain = true;
    private Optional<ArchiveStore> archive = Optional.empty();

    private Builder() {}

    /**
     * @param value the clock for event times
     * @return this builder
     */
    public Builder clock(Clock value) {
      this.clock = Objects.requireNonNull(value, "clock");
      return this;
    }

    /**
     * @param value the redactor
     * @return this builder
     */
    public Builder redactor(Redactor value) {
      this.redactor = Objects.requireNonNull(value, "redactor");
      return this;
    }

    /**
     * @param value the limits
     * @return this builder
     */
    public Builder limits(StoreLimits value) {
      this.limits = Objects.requireNonNull(value, "limits");
      return this;
    }

    /**
     * @param value most events one group commit gathers
     * @return this builder
     */
    public Builder maxBatchEvents(int value) {
      if (value < 1 || value > 1_000_000) {
        throw new IllegalArgumentException(
            "maxBatchEvents must be 1 to 1,000,000 but was " + value);
      }
      this.maxBatchEvents = value;
      return this;
    }

    /**
     * @param value number of commit threads, 1 to 64
     * @return this builder
     */
    public Builder commitLanes(int value) {
      if (value < 1 || value > 64) {
        throw new IllegalArgumentException("commitLanes must be 1 to 64 but was " + value);
      }
      this.commitLanes = OptionalInt.of(value);
      return this;
    }

    /**
     * @param value whether events get a hash chain link (default on)
     * @return this builder
     */
    public Builder hashChain(boolean value) {
      this.hashChain = value;
      return this;
    }

    /**
     * @param value the archive archived runs are read from; the caller closes it after the store
     * @return this builder
     */
    public Builder archive(ArchiveStore value) {
      this.archive = Optional.of(Objects.requireNonNull(value, "archive"));
      return this;
    }

    /**
     * @return the options
     */
    public RunStoreOptions build() {
      return new RunStoreOptions(
          clock, redactor, limits, maxBatchEvents, commitLanes, hashChain, archive);
    }
  }
}
