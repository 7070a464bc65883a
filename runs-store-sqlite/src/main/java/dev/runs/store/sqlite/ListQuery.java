package dev.runs.store.sqlite;

import dev.runs.RunQuery;
import dev.runs.RunStatus;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The SQL of a {@link RunQuery}. Every filter but the workflow and labels is an equality or range
 * on the leading column of an index whose next columns are {@code (created_at, id)}, the listing
 * order, so SQLite walks the index backwards from the cursor and stops after one page: no table
 * scan and no sort. Several statuses become one such walk per status, merged over at most a page
 * from each. The workflow and labels are read from each visited row's record ({@code
 * json_extract}): a filter on them alone walks until a page of matches is found.
 */
final class ListQuery {
  private static final String COLUMNS = "record_json, status, last_seq, updated_at, created_at, id";
  private static final String ORDER = " ORDER BY created_at DESC, id DESC LIMIT ?";

  private final String sql;
  private final List<Object> args;

  private ListQuery(String sql, List<Object> args) {
    this.sql = sql;
    this.args = args;
  }

  /**
   * @param q the query
   * @return its SQL and arguments, asking for one row more than the page to tell a next page
   */
  static ListQuery of(RunQuery q) {
    int limit = q.limit() + 1; // one more tells whether there is a next page
    List<Object> args = new ArrayList<>();
    if (q.statuses().size() <= 1) {
      @Nullable String status =
          q.statuses().isEmpty() ? null : q.statuses().iterator().next().wireName();
      String sql = "SELECT " + COLUMNS + " FROM runs" + where(q, status, args) + ORDER;
      args.add(limit);
      return new ListQuery(sql, args);
    }
    StringBuilder sql = new StringBuilder("SELECT * FROM (");
    String sep = "";
    for (RunStatus s : q.statuses()) {
      sql.append(sep)
          .append("SELECT * FROM (SELECT ")
          .append(COLUMNS)
          .append(" FROM runs")
          .append(where(q, s.wireName(), args))
          .append(ORDER)
          .append(')');
      args.add(limit);
      sep = " UNION ALL ";
    }
    sql.append(')').append(ORDER);
    args.add(limit);
    return new ListQuery(sql.toString(), args);
  }

  private static String where(RunQuery q, @Nullable String status, List<Object> args) {
    List<String> terms = new ArrayList<>();
    q.namespace()
        .ifPresent(
            v -> {
              terms.add("namespace = ?");
              args.add(v);
            });
    q.threadKey()
        .ifPresent(
            v -> {
              terms.add("thread_key = ?");
              args.add(v);
            });
    if (status != null) {
      terms.add("status = ?");
      args.add(status);
    }
    q.recommendationId()
        .ifPresent(
            v -> {
              terms.add("recommendation_id = ?");
              args.add(v);
            });
    q.createdFrom()
        .ifPresent(
            v -> {
              terms.add("created_at >= ?");
              args.add(Sql.micros(v));
            });
    q.createdBefore()
        .ifPresent(
            v -> {
              terms.add("created_at < ?");
              args.add(Sql.micros(v));
            });
    // no index holds these: they are read from the record of each row the walk visits
    q.workflowName()
        .ifPresent(
            v -> {
              terms.add("json_extract(record_json, '$.workflow.name') = ?");
              args.add(v);
            });
    q.workflowVersion()
        .ifPresent(
            v -> {
              terms.add("json_extract(record_json, '$.workflow.version') = ?");
              args.add(v);
            });
    q.labels()
        .forEach(
            (k, v) -> {
              // label keys are a-z, 0-9, '-', '_', '.', '/': quoted, any of them is one path step
              terms.add("json_extract(record_json, ?) = ?");
              args.add("$.labels.\"" + k + "\"");
              args.add(v);
            });
    q.cursor()
        .ifPresent(
            c -> {
              terms.add("(created_at, id) < (?, ?)");
              args.add(Sql.micros(c.createdAt()));
              args.add(c.runId().value());
            });
    return terms.isEmpty() ? "" : " WHERE " + String.join(" AND ", terms);
  }

  /**
   * @return the SQL text
   */
  String sql() {
    return sql;
  }

  /**
   * @return the arguments, in order
   */
  List<Object> args() {
    return args;
  }

  /**
   * Binds the arguments to a statement prepared from {@link #sql()}.
   *
   * @param p the statement
   * @throws SQLException when binding fails
   */
  void bind(PreparedStatement p) throws SQLException {
    for (int i = 0; i < args.size(); i++) {
      Object a = args.get(i);
      if (a instanceof String s) {
        p.setString(i + 1, s);
      } else if (a instanceof Long l) {
        p.setLong(i + 1, l);
      } else {
        p.setInt(i + 1, (Integer) a);
      }
    }
  }
}
