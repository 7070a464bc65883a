package dev.runs;

import dev.runs.internal.support.Times;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Base64;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Which runs to list: filters by namespace, thread key, status, creation time, workflow and labels,
 * a page size, and a cursor from the previous page. Every store applies all the filters itself, so
 * a page holds {@code limit} matching runs whenever that many exist. Runs are ordered newest first
 * by creation time, then by id descending. Build with {@link #builder()}.
 *
 * @param namespace exact namespace (the run id prefix); empty string for runs without one
 * @param threadKey exact thread key
 * @param statuses accepted statuses; empty for all
 * @param createdFrom inclusive lower bound of creation time; any instant, even {@link Instant#MIN}
 *     or {@link Instant#MAX} (a bound outside the years 0000-9999, where every run's time lies, is
 *     kept as that range's nearest end, which selects the same runs)
 * @param createdBefore exclusive upper bound of creation time; any instant, kept like {@code
 *     createdFrom}
 * @param limit page size, 1 to {@value #MAX_LIMIT}
 * @param cursor position after the last run of the previous page
 * @param recommendationId only runs started from this recommendation
 * @param workflowName only runs of the workflow with this name
 * @param workflowVersion only runs of this version of the workflow; only with {@code workflowName}
 * @param labels labels every listed run carries, with these values (keys as in {@link
 *     RunRecord#labels()}); empty for any
 */
public record RunQuery(
    Optional<String> namespace,
    Optional<String> threadKey,
    Set<RunStatus> statuses,
    Optional<Instant> createdFrom,
    Optional<Instant> createdBefore,
    int limit,
    Optional<Cursor> cursor,
    Optional<String> recommendationId,
    Optional<String> workflowName,
    Optional<String> workflowVersion,
    Map<String, String> labels) {

  /** Default page size. */
  public static final int DEFAULT_LIMIT = 50;

  /** Largest page size. */
  public static final int MAX_LIMIT = 1000;

  /** The first instant of year 0000: no run is created before it. */
  private static final Instant YEAR_0 = Instant.parse("0000-01-01T00:00:00Z");

  /** The first instant of year 10000: every run is created before it. */
  private static final Instant YEAR_10000 = Instant.parse("+10000-01-01T00:00:00Z");

  /** Validates the query. */
  public RunQuery {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(threadKey, "threadKey");
    Objects.requireNonNull(statuses, "statuses");
    Objects.requireNonNull(createdFrom, "createdFrom");
    Objects.requireNonNull(createdBefore, "createdBefore");
    Objects.requireNonNull(cursor, "cursor");
    Objects.requireNonNull(recommendationId, "recommendationId");
    Objects.requireNonNull(workflowName, "workflowName");
    Objects.requireNonNull(workflowVersion, "workflowVersion");
    Objects.requireNonNull(labels, "labels");
    if (workflowVersion.isPresent() && workflowName.isEmpty()) {
      throw new ValidationException("workflowVersion", "needs a workflow name");
    }
    workflowName.ifPresent(n -> requireNonBlank("workflowName", n));
    workflowVersion.ifPresent(v -> requireNonBlank("workflowVersion", v));
    Map<String, String> copy = new LinkedHashMap<>();
    for (Map.Entry<String, String> l : labels.entrySet()) {
      RunRecord.checkLabelKey(l.getKey());
      copy.put(l.getKey(), Objects.requireNonNull(l.getValue(), "label value"));
    }
    labels = java.util.Collections.unmodifiableMap(copy);
    createdFrom = createdFrom.map(RunQuery::withinYears);
    createdBefore = createdBefore.map(RunQuery::withinYears);
    namespace.ifPresent(RunId::validateNamespace);
    statuses = statuses.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(statuses));
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new ValidationException("limit", "must be 1 to " + MAX_LIMIT + " but was " + limit);
    }
  }

  /**
   * A query without workflow or label filters: the form of the first release.
   *
   * @param namespace exact namespace (the run id prefix); empty string for runs without one
   * @param threadKey exact thread key
   * @param statuses accepted statuses; empty for all
   * @param createdFrom inclusive lower bound of creation time
   * @param createdBefore exclusive upper bound of creation time
   * @param limit page size, 1 to {@value #MAX_LIMIT}
   * @param cursor position after the last run of the previous page
   * @param recommendationId only runs started from this recommendation
   */
  public RunQuery(
      Optional<String> namespace,
      Optional<String> threadKey,
      Set<RunStatus> statuses,
      Optional<Instant> createdFrom,
      Optional<Instant> createdBefore,
      int limit,
      Optional<Cursor> cursor,
      Optional<String> recommendationId) {
    this(
        namespace,
        threadKey,
        statuses,
        createdFrom,
        createdBefore,
        limit,
        cursor,
        recommendationId,
        Optional.empty(),
        Optional.empty(),
        Map.of());
  }

  private static void requireNonBlank(String field, String value) {
    if (value.isBlank()) {
      throw new ValidationException(field, "must not be blank");
    }
  }

  /**
   * @param r a run record
   * @return whether its workflow and labels pass this query's workflow and label filters
   */
  public boolean matchesWorkflowAndLabels(RunRecord r) {
    if (workflowName.isPresent() && !workflowName.get().equals(r.workflow().name())) {
      return false;
    }
    if (workflowVersion.isPresent() && !workflowVersion.get().equals(r.workflow().version())) {
      return false;
    }
    for (Map.Entry<String, String> l : labels.entrySet()) {
      if (!l.getValue().equals(r.labels().get(l.getKey()))) {
        return false;
      }
    }
    return true;
  }

  /**
   * @param limit page size, 1 to {@value #MAX_LIMIT}
   * @param cursor position after the last run of the previous page
   * @return this query's filters with another page size and cursor
   */
  public RunQuery withPage(int limit, Optional<Cursor> cursor) {
    return new RunQuery(
        namespace,
        threadKey,
        statuses,
        createdFrom,
        createdBefore,
        limit,
        cursor,
        recommendationId,
        workflowName,
        workflowVersion,
        labels);
  }

  /**
   * A time bound moved into the years 0000-10000 (every run's time lies within 0000-9999), so each
   * store can hold it (SQLite's microseconds and PostgreSQL's {@code timestamptz} cannot hold
   * {@link Instant#MAX}) and it selects the same runs.
   */
  private static Instant withinYears(Instant t) {
    return t.isBefore(YEAR_0) ? YEAR_0 : t.isAfter(YEAR_10000) ? YEAR_10000 : t;
  }

  /**
   * @return a query for all runs, first page of {@value #DEFAULT_LIMIT}
   */
  public static RunQuery all() {
    return builder().build();
  }

  /**
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Tells whether a run passes the filters (cursor excluded). For stores that filter in memory.
   *
   * @param entry the run
   * @return true when it matches
   */
  public boolean matches(RunEntry entry) {
    RunRecord r = entry.record();
    if (namespace.isPresent() && !namespace.get().equals(r.namespace())) {
      return false;
    }
    if (threadKey.isPresent() && !threadKey.equals(r.threadKey())) {
      return false;
    }
    if (!statuses.isEmpty() && !statuses.contains(entry.status())) {
      return false;
    }
    if (recommendationId.isPresent()
        && !r.recommendation()
            .map(l -> l.recommendationId().equals(recommendationId.get()))
            .orElse(false)) {
      return false;
    }
    if (createdFrom.isPresent() && r.createdAt().isBefore(createdFrom.get())) {
      return false;
    }
    if (createdBefore.isPresent() && !r.createdAt().isBefore(createdBefore.get())) {
      return false;
    }
    return matchesWorkflowAndLabels(r);
  }

  /**
   * Tells whether a run comes after the cursor in listing order (newest first).
   *
   * @param r the run record
   * @return true when there is no cursor or the run sorts after it
   */
  public boolean afterCursor(RunRecord r) {
    if (cursor.isEmpty()) {
      return true;
    }
    Cursor c = cursor.get();
    int byTime = r.createdAt().compareTo(c.createdAt());
    return byTime < 0 || (byTime == 0 && r.id().compareTo(c.runId()) < 0);
  }

  /**
   * Cuts the matches a store read in listing order (newest first, after the cursor) to this query's
   * page: a store reads up to {@code limit() + 1} of them, and the one past the limit tells that
   * there is a next page, whose cursor is after the page's last run. For stores, so that every
   * store pages alike.
   *
   * @param matches the matching runs in listing order, at least {@code limit() + 1} when more exist
   * @return the page: at most {@code limit()} runs, and a cursor when more followed
   */
  public RunPage page(List<RunEntry> matches) {
    if (matches.size() <= limit) {
      return new RunPage(matches, Optional.empty());
    }
    List<RunEntry> page = matches.subList(0, limit);
    return new RunPage(page, Optional.of(Cursor.after(page.get(limit - 1).record()).encode()));
  }

  /**
   * A position in the listing order: the last run of a page.
   *
   * @param createdAt its creation time
   * @param runId its id
   */
  public record Cursor(Instant createdAt, RunId runId) {
    /**
     * Validates the components.
     *
     * @throws ValidationException when {@code createdAt} is not a time a run can have (years
     *     0000-9999), which no page ends with
     */
    public Cursor {
      Objects.requireNonNull(createdAt, "createdAt");
      Objects.requireNonNull(runId, "runId");
      if (!Times.isHeld(createdAt)) {
        throw new ValidationException(
            "cursor.createdAt",
            "must be a time from " + Times.heldRange() + " but was " + createdAt);
      }
    }

    /**
     * @param last the last run of a page
     * @return the cursor after it
     */
    public static Cursor after(RunRecord last) {
      return new Cursor(last.createdAt(), last.id());
    }

    /**
     * @return the opaque text form handed to clients
     */
    public String encode() {
      String raw = Times.format(createdAt) + "|" + runId.value();
      return Base64.getUrlEncoder()
          .withoutPadding()
          .encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * @param text a cursor from {@link #encode()}
     * @return the cursor
     * @throws ValidationException when the text is not a cursor
     */
    public static Cursor decode(String text) {
      try {
        String raw = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8);
        int bar = raw.indexOf('|');
        if (bar < 0) {
          throw new IllegalArgumentException("no separator");
        }
        return new Cursor(Times.parse(raw.substring(0, bar)), RunId.of(raw.substring(bar + 1)));
      } catch (IllegalArgumentException | DateTimeException | ValidationException e) {
        throw new ValidationException("cursor", "is not a cursor returned by a previous page");
      }
    }
  }

  /** Builds a {@link RunQuery}. Not thread-safe. */
  public static final class Builder {
    private Optional<String> namespace = Optional.empty();
    private Optional<String> threadKey = Optional.empty();
    private final EnumSet<RunStatus> statuses = EnumSet.noneOf(RunStatus.class);
    private Optional<Instant> createdFrom = Optional.empty();
    private Optional<Instant> createdBefore = Optional.empty();
    private int limit = DEFAULT_LIMIT;
    private Optional<Cursor> cursor = Optional.empty();
    private Optional<String> recommendationId = Optional.empty();
    private Optional<String> workflowName = Optional.empty();
    private Optional<String> workflowVersion = Optional.empty();
    private final Map<String, String> labels = new LinkedHashMap<>();

    private Builder() {}

    /**
     * @param name only runs of the workflow with this name, any version
     * @return this builder
     */
    public Builder workflow(String name) {
      Objects.requireNonNull(name, "workflowName");
      requireNonBlank("workflowName", name);
      this.workflowName = Optional.of(name);
      this.workflowVersion = Optional.empty();
      return this;
    }

    /**
     * @param name only runs of the workflow with this name
     * @param version and this version
     * @return this builder
     */
    public Builder workflow(String name, String version) {
      workflow(name);
      Objects.requireNonNull(version, "workflowVersion");
      requireNonBlank("workflowVersion", version);
      this.workflowVersion = Optional.of(version);
      return this;
    }

    /**
     * @param key a label key (a-z, 0-9, '-', '_', '.', '/'; 1 to 63 characters)
     * @param value the value listed runs carry under it (adds to earlier calls; a key given again
     *     replaces its value)
     * @return this builder
     */
    public Builder label(String key, String value) {
      RunRecord.checkLabelKey(key);
      labels.put(key, Objects.requireNonNull(value, "label value"));
      return this;
    }

    /**
     * @param value only runs started from this recommendation
     * @return this builder
     */
    public Builder recommendationId(String value) {
      this.recommendationId = Optional.of(Objects.requireNonNull(value, "recommendationId"));
      return this;
    }

    /**
     * @param value exact namespace; empty string for runs without one
     * @return this builder
     */
    public Builder namespace(String value) {
      this.namespace = Optional.of(RunId.validateNamespace(value));
      return this;
    }

    /**
     * @param value exact thread key
     * @return this builder
     */
    public Builder threadKey(String value) {
      this.threadKey = Optional.of(Objects.requireNonNull(value, "threadKey"));
      return this;
    }

    /**
     * @param values statuses to include (adds to earlier calls)
     * @return this builder
     */
    public Builder status(RunStatus... values) {
      for (RunStatus s : values) {
        statuses.add(Objects.requireNonNull(s, "status"));
      }
      return this;
    }

    /**
     * @param value inclusive lower bound of creation time
     * @return this builder
     */
    public Builder createdFrom(Instant value) {
      this.createdFrom = Optional.of(Objects.requireNonNull(value, "createdFrom"));
      return this;
    }

    /**
     * @param value exclusive upper bound of creation time
     * @return this builder
     */
    public Builder createdBefore(Instant value) {
      this.createdBefore = Optional.of(Objects.requireNonNull(value, "createdBefore"));
      return this;
    }

    /**
     * @param value page size, 1 to {@value RunQuery#MAX_LIMIT}
     * @return this builder
     */
    public Builder limit(int value) {
      if (value < 1 || value > MAX_LIMIT) {
        throw new ValidationException("limit", "must be 1 to " + MAX_LIMIT + " but was " + value);
      }
      this.limit = value;
      return this;
    }

    /**
     * @param value the {@link RunPage#nextCursor()} of the previous page
     * @return this builder
     */
    public Builder cursor(String value) {
      this.cursor = Optional.of(Cursor.decode(Objects.requireNonNull(value, "cursor")));
      return this;
    }

    /**
     * @return the query
     */
    public RunQuery build() {
      return new RunQuery(
          namespace,
          threadKey,
          statuses,
          createdFrom,
          createdBefore,
          limit,
          cursor,
          recommendationId,
          workflowName,
          workflowVersion,
          labels);
    }
  }
}
