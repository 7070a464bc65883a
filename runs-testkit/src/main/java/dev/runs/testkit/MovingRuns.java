package dev.runs.testkit;

import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.Payload;
import dev.runs.RunId;
import dev.runs.RunRecord;
import dev.runs.RunStore;
import dev.runs.StageArtifact;
import dev.runs.StageManifest;
import dev.runs.StageWrite;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Runs worth moving, for the bundle, archive and deletion groups. */
final class MovingRuns {
  private MovingRuns() {}

  /**
   * Writes a run with console lines, an idempotency key, a step, a stage with artifacts, and the
   * given number of extra events, and ends it.
   *
   * @param store the store
   * @param record the record to create
   * @param extra extra console lines
   * @param random what varies the payloads
   * @param end the terminal event type, e.g. {@link EventTypes#RUN_COMPLETED}
   * @return the run
   */
  static RunId write(
      RunStore store, RunRecord record, int extra, Random random, dev.runs.EventType end) {
    RunId id = store.create(record).record().id();
    store.append(id, EventDraft.of(EventTypes.RUN_STARTED));
    store.append(
        id,
        EventDraft.of(EventTypes.CONSOLE_LINE, Payload.of(Map.of("stream", "stdout", "text", "a")))
            .withIdempotencyKey("key-1"));
    List<EventDraft> batch = new ArrayList<>();
    for (int i = 0; i < extra; i++) {
      batch.add(
          EventDraft.of(
              EventTypes.CONSOLE_LINE,
              Payload.of(
                  Map.of(
                      "stream",
                      random.nextBoolean() ? "stdout" : "stderr",
                      "text",
                      "line " + i + " é ✓ " + Long.toHexString(random.nextLong())))));
    }
    if (!batch.isEmpty()) {
      store.append(id, batch);
    }
    byte[] report = ("<h1>report " + random.nextInt() + "</h1>").getBytes(StandardCharsets.UTF_8);
    byte[] blob = new byte[1 + random.nextInt(4096)];
    random.nextBytes(blob);
    store.writeStage(
        id,
        StageWrite.of("fetch")
            .withInput(Payload.of(Map.of("url", "https://example.test")))
            .withOutput(Payload.of(Map.of("rows", random.nextInt(1000))))
            .withArtifact(StageArtifact.of("report.html", "report", report))
            .withArtifact(StageArtifact.of("data/blob.bin", "data", blob)));
    store.append(id, terminal(end));
    return id;
  }

  /**
   * @param type a terminal event type
   * @return a draft of it with the payload its type requires
   */
  static EventDraft terminal(dev.runs.EventType type) {
    if (type.equals(EventTypes.RUN_FAILED)) {
      return EventDraft.of(type, Payload.of("{\"error\":{\"message\":\"boom\"}}"));
    }
    if (type.equals(EventTypes.RUN_CANCELLED)) {
      return EventDraft.of(type, Payload.of(Map.of("reason", "stopped by the kit")));
    }
    return EventDraft.of(type);
  }

  /**
   * @param store the store
   * @param id the run
   * @return every stage file's bytes, by stage, attempt and path
   */
  static Map<String, byte[]> stageFiles(RunStore store, RunId id) {
    Map<String, byte[]> out = new java.util.TreeMap<>();
    for (StageManifest m : store.stages(id)) {
      for (StageManifest.Entry f : m.files()) {
        out.put(
            m.stageKey() + "/" + m.attempt() + "/" + f.path(),
            store.readStageFile(id, m.stageKey(), m.attempt(), f.path()));
      }
    }
    return out;
  }
}
