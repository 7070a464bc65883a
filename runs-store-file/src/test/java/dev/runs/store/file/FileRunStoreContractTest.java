package dev.runs.store.file;

import dev.runs.RunId;
import dev.runs.RunStore;
import dev.runs.RunStoreOptions;
import dev.runs.RunStores;
import dev.runs.testkit.RunStoreContract;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** The file store passes the whole conformance suite, at the default durability (fsync). */
final class FileRunStoreContractTest extends RunStoreContract {
  @Override
  protected RunStore newStore(Path dir, RunStoreOptions options) {
    return RunStores.open("file:" + dir, options);
  }

  /** Rewrites the event's line of the run's events.ndjson, as an editor would. */
  @Override
  protected boolean tamper(RunId id, long sequence, UnaryOperator<String> edit) throws Exception {
    Path log = new Layout(dir.toAbsolutePath().normalize()).runDir(id).resolve(Layout.EVENTS);
    List<String> lines = new ArrayList<>(Files.readAllLines(log, StandardCharsets.UTF_8));
    int i = Math.toIntExact(sequence - 1);
    lines.set(i, edit.apply(lines.get(i)));
    Files.writeString(log, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
    return true;
  }
}
