package dev.runs.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.runs.Payload;
import java.util.Objects;

/**
 * Lets the implementation reach package-private parts of the public API (a payload's shared tree,
 * trusted construction from stored text) without making them public. The API classes install the
 * bridge in their static initializers.
 */
public final class ApiBridge {
  /** What the API package exposes to the implementation. */
  public interface PayloadAccess {
    /**
     * @param payload a payload
     * @return its shared parsed tree; must not be modified
     */
    ObjectNode tree(Payload payload);

    /**
     * @param compactJson text already known to be one compact JSON object
     * @return the payload, without re-parsing
     */
    Payload trusted(String compactJson);
  }

  private static volatile PayloadAccess payloads;

  private ApiBridge() {}

  /**
   * Installs the payload bridge; called once by {@link Payload}.
   *
   * @param access the bridge
   */
  public static void install(PayloadAccess access) {
    payloads = Objects.requireNonNull(access);
  }

  /** @return the payload bridge */
  public static PayloadAccess payloads() {
    PayloadAccess p = payloads;
    if (p == null) {
      Payload.empty(); // triggers Payload's static initializer
      p = payloads;
    }
    return p;
  }
}
