package dev.runs.store.postgres;

import static dev.runs.store.postgres.PgCodec.decodeRecord;
import static dev.runs.store.postgres.PgCodec.instant;
import static dev.runs.store.postgres.PgCodec.status;
import static dev.runs.store.postgres.PgCodec.ts;

import dev.runs.CreateResult;
import dev.runs.EventCodec;
import dev.runs.RunAlreadyExistsException;
import dev.runs.RunEntry;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunPage;
import dev.runs.RunQuery;
import dev.runs.RunRecord;
import dev.runs.RunStatus;
import dev.runs.StoreCorruptedException;
import dev.runs.ValidationException;
import dev.runs.spi.RunHead;
import dev.runs.store.postgres.PgKnownHeads.Moved;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code runs} table: one row per run holding its record, the columns it is listed by, and the
 * cached head of its log (last sequence, status, time) that {@link PgAppends} moves. Creates a run
 * with its first event in one transaction (the trigger id and the run id are unique, so a second
 * create returns the first run or is refused), looks runs up, and lists them newest first with
 * cursor paging on statements shaped to walk one index each ({@link #listQuery}).
 *
 * <p>Thread-safe: it holds only final fields; each call borrows its own connection.
 */
final class PgRunIndex {
  private final PgTx tx;
  private final String schema;
  private final PgKnownHeads heads;
  private final String insertRun;
  private final String insertEvent;
  private final String notifyOne;
  private final String selectRecord;
  private final String selectRecordByTrigger;
  private final String selectTriggerById;
  private final String selectEntry;
  private final String selectHead;
  private final String listRuns;
  private final String listLabels;
  private final String labelLookup;
  private final String workflowName;
  private final String workflowVersion;

  /**
   * @param tx runs the statements
   * @param schema the validated schema name, for the notice channel
   * @param s the quoted schema name
   * @param heads told the head of every run created here
   */
  PgRunIndex(PgTx tx, String schema, String s, PgKnownHeads heads) {
    this.tx = tx;
    this.schema = schema;
    this.heads = heads;
    insertRun =
        "INSERT INTO "
            + s
            + ".runs (id, namespace, thread_key, trigger_id,"
            + " recommendation_id, created_at, record, last_seq, status, updated_at, last_hash)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?) ON CONFLICT DO NOTHING";
    insertEvent =
        "INSERT INTO "
            + s
            + ".events (run_id, seq, type, time, idem_key, body)"
            + " VALUES (?, ?, ?, ?, ?, ?)";
    notifyOne = "SELECT pg_notify(?, ?)";
    selectRecord = "SELECT record FROM " + s + ".runs WHERE id = ?";
    selectRecordByTrigger = "SELECT record FROM " + s + ".runs WHERE trigger_id = ?";
    selectTriggerById = "SELECT trigger_id FROM " + s + ".runs WHERE id = ?";
    selectEntry = "SELECT record, status, last_seq, updated_at FROM " + s + ".runs WHERE id = ?";
    selectHead =
        "SELECT last_seq, status, updated_at, last_hash, stub IS NOT NULL FROM "
            + s
            + ".runs WHERE id = ?";
    listRuns = " FROM " + s + ".runs AS r";
    listLabels = " FROM " + s + ".run_labels AS l JOIN " + s + ".runs AS r ON r.id = l.run_id";
    labelLookup =
        "EXISTS (SELECT 1 FROM "
            + s
            + ".run_labels AS x WHERE x.run_id = r.id AND x.key = ?"
            + " AND x.value = ?)";
    workflowName = s + ".run_workflow_part(r.record, 'name') = ?";
    workflowVersion = s + ".run_workflow_part(r.record, 'version') = ?";
  }

  /** See {@link dev.runs.spi.StorageEngine#create}. */
  CreateResult create(RunRecord record, RunEvent createdEvent) {
    String id = record.id().value();
    List<RunId> runs = List.of(record.id());
    heads.committing(runs);
    try {
      return insert(record, createdEvent, id);
    } finally {
      heads.committed(runs);
    }
  }

  private CreateResult insert(RunRecord record, RunEvent createdEvent, String id) {
    CreateResult result =
        tx.inTransaction(
            "create run " + id,
            c -> {
              tx.noteOwnBackend(c);
              int inserted;
              try (PreparedStatement ps = c.prepareStatement(insertRun)) {
                ps.setString(1, id);
                ps.setString(2, record.namespace());
                ps.setString(3, record.threadKey().orElse(null));
                ps.setString(4, record.trigger().triggerId());
                ps.setString(
                    5, record.recommendation().map(r -> r.recommendationId()).orElse(null));
                ps.setObject(6, ts(record.createdAt()));
                ps.setString(7, record.toJson());
                ps.setString(8, RunStatus.CREATED.wireName());
                ps.setObject(9, ts(createdEvent.time()));
                ps.setString(10, createdEvent.hash().orElse(null));
                inserted = ps.executeUpdate();
              }
              if (inserted == 1) {
                try (PreparedStatement ps = c.prepareStatement(insertEvent)) {
                  ps.setString(1, id);
                  ps.setLong(2, createdEvent.sequence());
                  ps.setString(3, createdEvent.type().name());
                  ps.setObject(4, ts(createdEvent.time()));
                  ps.setString(5, createdEvent.idempotencyKey().orElse(null));
                  ps.setString(6, EventCodec.encode(createdEvent));
                  ps.executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement(notifyOne)) {
                  ps.setString(1, PgConfig.channel(schema));
                  ps.setString(2, PgChangeFeed.payload(id, 1, RunStatus.CREATED));
                  ps.executeQuery().close();
                }
                return new CreateResult(record, true);
              }
              // a run with this trigger or this id exists (the insert waited for it to commit)
              try (PreparedStatement ps = c.prepareStatement(selectRecordByTrigger)) {
                ps.setString(1, record.trigger().triggerId());
                try (ResultSet rs = ps.executeQuery()) {
                  if (rs.next()) {
                    String json = rs.getString(1);
                    return new CreateResult(decodeRecord(tx.where(), record.id(), json), false);
                  }
                }
              }
              try (PreparedStatement ps = c.prepareStatement(selectTriggerById)) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                  if (rs.next()) {
                    throw new RunAlreadyExistsException(record.id(), rs.getString(1));
                  }
                }
              }
              throw new SQLException("run " + id + " was neither inserted nor found", "40001");
            });
    if (result.created()) {
      heads.remember(
          List.of(
              new Moved(
                  record.id(),
                  new RunHead(1, RunStatus.CREATED, createdEvent.time(), createdEvent.hash()))));
    }
    return result;
  }

  /** See {@link dev.runs.spi.StorageEngine#find}. */
  Optional<RunRecord> find(RunId id) {
    return tx.withConnection(
        "read run " + id,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(selectRecord)) {
            ps.setString(1, id.value());
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next()
                  ? Optional.of(decodeRecord(tx.where(), id, rs.getString(1)))
                  : Optional.empty();
            }
          }
        });
  }

  /** See {@link dev.runs.spi.StorageEngine#findByTrigger}. */
  Optional<RunRecord> findByTrigger(String triggerId) {
    return tx.withConnection(
        "find run by trigger",
        c -> {
          try (PreparedStatement ps = c.prepareStatement(selectRecordByTrigger)) {
            ps.setString(1, triggerId);
            try (ResultSet rs = ps.executeQuery()) {
              if (!rs.next()) {
                return Optional.empty();
              }
              String json = rs.getString(1);
              try {
                return Optional.of(RunRecord.fromJson(json));
              } catch (ValidationException e) {
                throw new StoreCorruptedException(
                    tx.where()
                        + ": the record of the run created by a trigger"
                        + " does not decode ("
                        + e.getMessage()
                        + ")",
                    e);
              }
            }
          }
        });
  }

  /** See {@link dev.runs.spi.StorageEngine#entry}. */
  Optional<RunEntry> entry(RunId id) {
    return tx.withConnection(
        "read run " + id,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(selectEntry)) {
            ps.setString(1, id.value());
            try (ResultSet rs = ps.executeQuery()) {
              if (!rs.next()) {
                return Optional.empty();
              }
              return Optional.of(
                  new RunEntry(
                      decodeRecord(tx.where(), id, rs.getString(1)),
                      status(rs.getString(2)),
                      rs.getLong(3),
                      instant(rs, 4)));
            }
          }
        });
  }

  /** See {@link dev.runs.spi.StorageEngine#head}: the row, never the heads this instance knows. */
  Optional<RunHead> head(RunId id) {
    return tx.withConnection(
        "read the head of run " + id,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(selectHead)) {
            ps.setString(1, id.value());
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? Optional.of(PgCodec.head(rs, 1)) : Optional.empty();
            }
          }
        });
  }

  /** See {@link dev.runs.spi.StorageEngine#list}. */
  RunPage list(RunQuery query) {
    ListQuery q = listQuery(query);
    List<RunEntry> rows =
        tx.withConnection(
            "list runs",
            c -> {
              try (PreparedStatement ps = c.prepareStatement(q.sql())) {
                q.bind(c, ps);
                List<RunEntry> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                  while (rs.next()) {
                    String json = rs.getString(1);
                    RunRecord r;
                    try {
                      r = RunRecord.fromJson(json);
                    } catch (ValidationException e) {
                      throw new StoreCorruptedException(
                          tx.where() + ": a run record does not decode (" + e.getMessage() + ")",
                          e);
                    }
                    out.add(
                        new RunEntry(r, status(rs.getString(2)), rs.getLong(3), instant(rs, 4)));
                  }
                }
                return out;
              }
            });
    return query.page(rows);
  }

  /** A list query: SQL text (fixed shapes, one per filter combination) and its parameters. */
  record ListQuery(String sql, List<Object> params) {
    void bind(Connection c, PreparedStatement ps) throws SQLException {
      for (int i = 0; i < params.size(); i++) {
        Object p = params.get(i);
        if (p instanceof String[] a) {
          ps.setArray(i + 1, c.createArrayOf("text", a));
        } else {
          ps.setObject(i + 1, p);
        }
      }
    }
  }

  /**
   * Builds the SQL of a listing; package-private so tests can EXPLAIN it. Each filter but the
   * workflow version has an index led by its columns and followed by the listing order {@code
   * (created_at DESC, id DESC)}, so a page is read in index order and stops after {@code limit + 1}
   * rows. A label filter walks {@code run_labels_value_idx (key, value, created_at DESC, run_id
   * DESC)} and joins each run by its id; further labels are looked up by {@code run_labels}'
   * primary key. The workflow name is the expression {@code runs_workflow_idx} holds; the version
   * is read from each visited row's record, so a walk by name passes the workflow's other versions.
   * Several statuses become a {@code UNION ALL} of one ordered, limited branch per status, merged
   * in order, because {@code status = ANY (...)} cannot walk the status index in listing order.
   */
  ListQuery listQuery(RunQuery query) {
    List<String> conditions = new ArrayList<>();
    List<Object> common = new ArrayList<>();
    Iterator<Map.Entry<String, String>> labels = query.labels().entrySet().iterator();
    boolean byLabel = labels.hasNext();
    // walked in order: the first label's index entries, else the runs' own columns
    String created = byLabel ? "l.created_at" : "r.created_at";
    String id = byLabel ? "l.run_id" : "r.id";
    String from = byLabel ? listLabels : listRuns;
    if (byLabel) {
      Map.Entry<String, String> first = labels.next();
      conditions.add("l.key = ? AND l.value = ?");
      common.add(first.getKey());
      common.add(first.getValue());
    }
    while (labels.hasNext()) {
      Map.Entry<String, String> more = labels.next();
      conditions.add(labelLookup);
      common.add(more.getKey());
      common.add(more.getValue());
    }
    query
        .namespace()
        .ifPresent(
            ns -> {
              conditions.add("r.namespace = ?");
              common.add(ns);
            });
    query
        .threadKey()
        .ifPresent(
            t -> {
              conditions.add("r.thread_key = ?");
              common.add(t);
            });
    query
        .recommendationId()
        .ifPresent(
            rec -> {
              conditions.add("r.recommendation_id = ?");
              common.add(rec);
            });
    query
        .createdFrom()
        .ifPresent(
            t -> {
              conditions.add(created + " >= ?");
              common.add(ts(t));
            });
    query
        .createdBefore()
        .ifPresent(
            t -> {
              conditions.add(created + " < ?");
              common.add(ts(t));
            });
    // the name is the expression runs_workflow_idx holds; the version is read from each row
    query
        .workflowName()
        .ifPresent(
            w -> {
              conditions.add(workflowName);
              common.add(w);
            });
    query
        .workflowVersion()
        .ifPresent(
            v -> {
              conditions.add(workflowVersion);
              common.add(v);
            });
    query
        .cursor()
        .ifPresent(
            cur -> {
              conditions.add("(" + created + ", " + id + ") < (?, ?)");
              common.add(ts(cur.createdAt()));
              common.add(cur.runId().value());
            });
    List<String> statuses = new ArrayList<>();
    for (RunStatus st : query.statuses()) {
      statuses.add(st.wireName());
    }
    statuses.sort(null);
    int fetch = query.limit() + 1;
    String order = " ORDER BY " + created + " DESC, " + id + " DESC LIMIT ?";
    List<Object> params = new ArrayList<>();
    if (statuses.size() <= 1) {
      List<String> where = new ArrayList<>(conditions);
      params.addAll(common);
      if (statuses.size() == 1) {
        where.add("r.status = ?");
        params.add(statuses.get(0));
      }
      params.add(fetch);
      return new ListQuery(
          "SELECT r.record, r.status, r.last_seq, r.updated_at" + from + whereClause(where) + order,
          params);
    }
    StringBuilder sql = new StringBuilder("SELECT record, status, last_seq, updated_at FROM (");
    for (int i = 0; i < statuses.size(); i++) {
      List<String> where = new ArrayList<>(conditions);
      where.add("r.status = ?");
      params.addAll(common);
      params.add(statuses.get(i));
      params.add(fetch);
      sql.append(i == 0 ? "(" : " UNION ALL (")
          .append("SELECT r.record, r.status, r.last_seq, r.updated_at, r.created_at, r.id")
          .append(from)
          .append(whereClause(where))
          .append(order)
          .append(')');
    }
    sql.append(") AS u ORDER BY created_at DESC, id DESC LIMIT ?");
    params.add(fetch);
    return new ListQuery(sql.toString(), params);
  }

  private static String whereClause(List<String> conditions) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < conditions.size(); i++) {
      sb.append(i == 0 ? " WHERE " : " AND ").append(conditions.get(i));
    }
    return sb.toString();
  }
}
