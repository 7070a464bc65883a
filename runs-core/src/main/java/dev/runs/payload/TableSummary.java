package dev.runs.payload;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runs.EventPayload;
import dev.runs.EventType;
import dev.runs.EventTypes;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * {@code table.summary}: the run produced or changed a table (a data set, a query result, a sheet).
 *
 * @param table the table's name, e.g. {@code customers_clean}
 * @param rows how many rows it has, at least 0
 * @param columns how many columns it has, at least 0
 * @param details free-form JSON (column names and types, statistics, a preview); copied, never
 *     shared
 */
public record TableSummary(
    @NonBlank String table,
    @NonNegative OptionalLong rows,
    @NonNegative OptionalLong columns,
    Optional<JsonNode> details)
    implements EventPayload {

  /** Checks the components and copies the details. */
  public TableSummary {
    Objects.requireNonNull(table, "table");
    Checks.name(EventTypes.TABLE_SUMMARY, "table", table);
    Checks.nonNegative(EventTypes.TABLE_SUMMARY.name(), "rows", rows);
    Checks.nonNegative(EventTypes.TABLE_SUMMARY.name(), "columns", columns);
    details = Checks.json(EventTypes.TABLE_SUMMARY.name(), "details", details);
  }

  /**
   * @param table the table's name
   * @param rows how many rows
   * @param columns how many columns
   * @return the payload, without details
   */
  public static TableSummary of(String table, long rows, long columns) {
    return new TableSummary(
        table, OptionalLong.of(rows), OptionalLong.of(columns), Optional.empty());
  }

  /**
   * @return a copy of the details; changing it does not change this record
   */
  @Override
  public Optional<JsonNode> details() {
    return Checks.copy(details);
  }

  /**
   * @return {@link EventTypes#TABLE_SUMMARY}
   */
  @Override
  public EventType type() {
    return EventTypes.TABLE_SUMMARY;
  }
}
