package dev.runs.store.sqlite;

import dev.runs.RunQuery;
import dev.runs.RunStatus;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The SQL of a {@link RunQuery}. Every filter but the workflow version is an equality or range on
 * the leading columns of an index whose next columns are {@code (created_at, id)}, the listing
 * order, so SQLite walks the index backwards from the cursor and stops after one page: no table
 * scan and no sort. A label filter walks {@code run_labels_by_value (key, value, created_at,
 * run_id)} and joins each run by its id; further labels are looked up by {@code run_labels}'
 * primary key. The workflow name is the expression {@code runs_by_workflow} indexes ({@link
 * Schema#WORKFLOW_NAME}). Several statuses become one such walk per status, merged over at most a
 * page from each. The workflow version is read from each visited row's record: a walk by workflow
 * name passes the other versions of that workflow.
 */
final class ListQuery {
  private static final String COLUMNS =
      "runs.record_json, runs.status, runs.last_seq, runs.updated_at, runs.created_at, runs.id";
  private static final String ORDER = " ORDER BY created_at DESC, id DESC LIMIT ?";
  private static final String LABEL_ORDER = " ORDER BY l.created_at DESC, l.run_id DESC LIMIT ?";

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
    boolean byLabel = !q.labels().isEmpty();
    String from = byLabel ? " FROM run_labels AS l JOIN runs ON runs.id = l.run_id" : " FROM runs";
    String order = byLabel ? LABEL_ORDER : ORDER;
    if (q.statuses().size() <= 1) {
      @Nullable String status =
          q.statuses().isEmpty() ? null : q.statuses().iterator().next().wireName();
      String sql = "SELECT " + COLUMNS + from + where(q, status, args) + order;
      args.add(limit);
      return new ListQuery(sql, args);
    }
    StringBuilder sql = new StringBuilder("SELECT * FROM (");
    String sep = "";
    for (RunStatus s : q.statuses()) {
      sql.append(sep)
          .append("SELECT * FROM (SELECT ")
          .append(COLUMNS)
          .append(from)
          .append(where(q, s.wireName(), args))
          .append(order)
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
    Iterator<Map.Entry<String, String>> labels = q.labels().entrySet().iterator();
    // walked in order: the first label's index entries, else the runs' own columns
    String created = labels.hasNext() ? "l.created_at" : "runs.created_at";
    String id = labels.hasNext() ? "l.run_id" : "runs.id";
    if (labels.hasNext()) {
      Map.Entry<String, String> first = labels.next();
      terms.add("l.key = ? AND l.value = ?");
      args.add(first.getKey());
      args.add(first.getValue());
    }
    while (labels.hasNext()) {
      Map.Entry<String, String> more = labels.next();
      terms.add(
          "EXISTS (SELECT 1 FROM run_labels AS x WHERE x.run_id = runs.id AND x.key = ? AND"
              + " x.value = ?)");
      args.add(more.getKey());
      args.add(more.getValue());
    }
    q.namespace()
        .ifPresent(
            v -> {
              terms.add("runs.namespace = ?");
              args.add(v);
            });
    q.threadKey()
        .ifPresent(
            v -> {
              terms.add("runs.thread_key = ?");
              args.add(v);
            });
    if (status != null) {
      terms.add("runs.status = ?");
      args.add(status);
    }
    q.recommendationId()
        .ifPresent(
            v -> {
              terms.add("runs.recommendation_id = ?");
              args.add(v);
            });
    q.createdFrom()
        .ifPresent(
            v -> {
              terms.add(created + " >= ?");
              args.add(Sql.micros(v));
            });
    q.createdBefore()
        .ifPresent(
            v -> {
              terms.add(created + " < ?");
              args.add(Sql.micros(v));
            });
    q.workflowName()
        .ifPresent(
            v -> {
              terms.add(Schema.WORKFLOW_NAME + " = ?");
              args.add(v);
            });
    // no index holds the version: it is read from the record of each row the walk visits
    q.workflowVersion()
        .ifPresent(
            v -> {
              terms.add(
                  "(CASE WHEN json_valid(runs.record_json)"
                      + " THEN json_extract(runs.record_json, '$.workflow.version') END) = ?");
              args.add(v);
            });
    q.cursor()
        .ifPresent(
            c -> {
              terms.add("(" + created + ", " + id + ") < (?, ?)");
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
