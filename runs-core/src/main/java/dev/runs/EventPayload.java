package dev.runs;

/**
 * A typed event body: a record that knows its event type. The records in {@code dev.runs.payload}
 * implement it for every core type; hosts may implement it for their own {@code x.*} types.
 * Component names become snake_case JSON keys.
 */
public interface EventPayload {
  /**
   * @return the event type this payload belongs to
   */
  EventType type();

  /**
   * @return this payload as JSON (the default converts the record's components)
   */
  default Payload toPayload() {
    if (this instanceof Record r) {
      return Payload.ofRecord(r);
    }
    throw new IllegalStateException(
        getClass().getName() + " is not a record; override toPayload() to build its JSON");
  }
}
