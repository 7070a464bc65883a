package dev.runs.mcp;

import dev.runs.EventDraft;
import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.RunStores;
import java.util.Map;

/**
 * A child process that appends events to a run of a store file: args store URI, run id, count.
 * Prints {@code APPENDED <last sequence>} when done.
 */
public final class ExternalAppender {
  private ExternalAppender() {}

  public static void main(String[] args) {
    try (RunStore store = RunStores.open(args[0])) {
      RunId id = RunId.of(args[1]);
      long last = 0;
      for (int i = 0; i < Integer.parseInt(args[2]); i++) {
        last =
            store
                .append(
                    id,
                    EventDraft.of(
                            "console.line", Map.of("stream", "stdout", "text", "external " + i))
                        .withSource("other-process"))
                .sequence();
      }
      System.out.println("APPENDED " + last);
    }
  }
}
