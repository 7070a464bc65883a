package dev.runs;

import dev.runs.internal.support.Printable;

/**
 * Input was refused before anything was written: a missing or malformed field, a value out of
 * range, a type string that breaks the taxonomy rules. {@link #field()} names the offending field
 * (a dotted path such as {@code payload.tool_name}) and {@link #rule()} the rule it broke. In both,
 * control characters of the input (line breaks included) are written as escapes such as <code>
 * &#92;u0000</code>.
 */
public class ValidationException extends RunsException {
  private static final long serialVersionUID = 1L;

  private final String field;
  private final String rule;

  /**
   * Creates the exception; the message is built from the field and the rule.
   *
   * @param field the offending field, as a dotted path
   * @param rule the rule it broke, phrased as what was expected
   */
  public ValidationException(String field, String rule) {
    super(Printable.escape(field) + ": " + Printable.escape(rule));
    this.field = Printable.escape(field);
    this.rule = Printable.escape(rule);
  }

  /**
   * Creates the exception with a context prefix, for example the run and event position.
   *
   * @param context where the input came from, e.g. {@code "run acme/1 event #3
   *     (tool.call.completed)"}
   * @param field the offending field, as a dotted path
   * @param rule the rule it broke
   */
  public ValidationException(String context, String field, String rule) {
    super(
        Printable.escape(context) + ": " + Printable.escape(field) + ": " + Printable.escape(rule));
    this.field = Printable.escape(field);
    this.rule = Printable.escape(rule);
  }

  /**
   * @return the offending field as a dotted path, e.g. {@code payload.tool_name}
   */
  public String field() {
    return field;
  }

  /**
   * @return the rule that was broken
   */
  public String rule() {
    return rule;
  }
}
