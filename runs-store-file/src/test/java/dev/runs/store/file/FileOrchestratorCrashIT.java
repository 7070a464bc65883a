package dev.runs.store.file;

import dev.runs.testkit.OrchestratorCrashContract;
import java.nio.file.Path;

/**
 * A workflow killed mid-step on the file store is recovered and resumed by another orchestrator.
 */
final class FileOrchestratorCrashIT extends OrchestratorCrashContract {
  @Override
  protected String storeUri(Path dir) {
    return "file:" + dir.resolve("runs");
  }
}
