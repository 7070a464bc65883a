package dev.runs.internal.orchestrator;

import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.Payload;
import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.StageArtifact;
import dev.runs.StageManifest;
import dev.runs.StageWrite;
import dev.runs.StageWriter;
import dev.runs.payload.StageCompleted;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One stage a workflow writes: collects its input, output and artifacts, writes them to the store
 * once, then records one {@code artifact.created} per artifact and {@code stage.completed} in one
 * atomic append. Not thread-safe: one thread builds and writes a stage.
 */
final class StageRecorder implements StageWriter {
  private final RunStore store;
  private final RunId runId;
  private final EventScope events;
  private final String key;
  private StageWrite write;
  private boolean written;

  /**
   * @throws dev.runs.ValidationException when the key is not a valid stage key
   */
  StageRecorder(RunStore store, RunId runId, EventScope events, String key) {
    this.store = Objects.requireNonNull(store, "store");
    this.runId = Objects.requireNonNull(runId, "runId");
    this.events = Objects.requireNonNull(events, "events");
    StageWrite.checkStageKey(Objects.requireNonNull(key, "key"));
    this.key = key;
    this.write = StageWrite.of(key);
  }

  @Override
  public StageWriter input(Object value) {
    write = write.withInput(Payload.of(Json.strict(value, "stage " + key + " input")));
    return this;
  }

  @Override
  public StageWriter output(Object value) {
    write = write.withOutput(Payload.of(Json.strict(value, "stage " + key + " output")));
    return this;
  }

  @Override
  public StageWriter artifact(String name, String kind, byte[] content) {
    write = write.withArtifact(StageArtifact.of(name, kind, content));
    return this;
  }

  @Override
  public StageManifest write() {
    if (written) {
      throw new IllegalStateException("stage " + key + " of run " + runId + " was already written");
    }
    written = true;
    StageManifest m = store.writeStage(runId, write);
    List<EventDraft> drafts = new ArrayList<>();
    for (StageManifest.Entry f : m.files()) {
      if (!f.path().startsWith("artifacts/")) {
        continue;
      }
      // a map: ArtifactCreated has no stage_key or stage_attempt
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("path", f.path());
      p.put("sha256", f.sha256());
      p.put("size", f.size());
      p.put("kind", f.kind());
      p.put("stage_key", key);
      p.put("stage_attempt", m.attempt());
      drafts.add(
          events
              .inScope(EventDraft.of(EventTypes.ARTIFACT_CREATED, Payload.of(p)))
              .withIdempotencyKey(Keys.stage(key, m.attempt(), "artifact:" + f.path())));
    }
    StageCompleted done = StageCompleted.of(key, m.attempt(), m.sha256());
    drafts.add(
        events
            .inScope(EventDraft.of(done))
            .withIdempotencyKey(Keys.stage(key, m.attempt(), "completed")));
    events.appendAll(drafts, EventTypes.STAGE_COMPLETED);
    return m;
  }
}
