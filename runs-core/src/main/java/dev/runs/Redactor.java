package dev.runs;

import dev.runs.internal.DefaultRedactor;

/**
 * Removes secrets from config snapshots and event payloads before anything is written. The log is
 * append-only, so a secret that reaches it stays there: redaction happens in the append path, in
 * the caller's thread, before validation and before the store sees the data.
 *
 * <p>{@link #defaults()} masks common secret shapes; {@link #none()} turns redaction off; hosts can
 * supply their own or chain one after the default with {@link #andThen(Redactor)}. Implementations
 * must be thread-safe and should be fast: they run for every event.
 */
@FunctionalInterface
public interface Redactor {
  /** The text that replaces a secret. */
  String MASK = "[REDACTED]";

  /**
   * Returns the payload with secrets masked, or the same instance when there was nothing to mask.
   *
   * @param payload an event payload or a config snapshot's JSON
   * @return the redacted payload
   */
  Payload redact(Payload payload);

  /**
   * Redacts a config snapshot (through {@link #redact(Payload)}).
   *
   * @param config the snapshot
   * @return the redacted snapshot, or the same instance when unchanged
   */
  @SuppressWarnings("ReferenceEquality") // identity is the contract: the same instance = unchanged
  default ConfigSnapshot redact(ConfigSnapshot config) {
    Payload p = Payload.of(config.toJsonNode());
    Payload r = redact(p);
    return r == p ? config : ConfigSnapshot.of(r.toJsonNode());
  }

  /**
   * @param next applied to this redactor's output
   * @return a redactor applying this one, then {@code next}
   */
  default Redactor andThen(Redactor next) {
    return payload -> next.redact(redact(payload));
  }

  /**
   * The default redactor. It masks the value of any field whose name looks like a secret ({@code
   * password}, {@code passwd}, {@code secret}, {@code api_key}/{@code apikey}, {@code access_key},
   * {@code private_key}, {@code client_secret}, {@code authorization}, {@code credentials}, {@code
   * token} and names ending in {@code _token} such as {@code access_token}; not {@code max_tokens}
   * or {@code input_tokens}), and inside any string it masks bearer tokens, PEM private key blocks,
   * JWTs, and API keys shaped like {@code sk-...}, {@code AKIA...}, {@code ghp_...} and {@code
   * xox?-...}.
   *
   * @return the default redactor
   */
  static Redactor defaults() {
    return DefaultRedactor.INSTANCE;
  }

  /**
   * @return a redactor that changes nothing
   */
  static Redactor none() {
    return payload -> payload;
  }
}
