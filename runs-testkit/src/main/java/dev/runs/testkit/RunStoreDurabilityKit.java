package dev.runs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.RunEvent;
import dev.runs.RunRecord;
import dev.runs.RunStatus;
import dev.runs.StageArtifact;
import dev.runs.StageManifest;
import dev.runs.StageWrite;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Durability: everything survives close and reopen. The contract's {@code Durability} group binds
 * these tests to the store under test.
 */
abstract class RunStoreDurabilityKit extends RunStoreKit {
  RunStoreDurabilityKit(RunStoreContract contract) {
    super(contract);
  }

  @Test
  @DisplayName("records, events, heads and stages survive close and reopen")
  void reopen_keepsEverything() {
    assumeTrue(isDurable(), "store is not durable");
    RunRecord r = recordBuilder().namespace("keep").threadKey("t").build();
    store().create(r);
    store()
        .append(
            r.id(),
            List.of(EventDraft.of(EventTypes.RUN_STARTED), line(1).withIdempotencyKey("k")));
    StageManifest m =
        store()
            .writeStage(
                r.id(),
                StageWrite.of("s")
                    .withArtifact(
                        StageArtifact.of(
                            "a.txt", "text", "hello".getBytes(StandardCharsets.UTF_8))));
    List<RunEvent> before = all(store(), r.id());

    reopen();

    assertThat(store().get(r.id())).contains(store().get(r.id()).orElseThrow());
    assertThat(store().get(r.id()).orElseThrow().config().sha256()).isEqualTo(r.config().sha256());
    assertThat(all(store(), r.id())).isEqualTo(before);
    assertThat(store().entry(r.id()).orElseThrow().status()).isEqualTo(RunStatus.RUNNING);
    assertThat(store().append(r.id(), line(9).withIdempotencyKey("k"))).isEqualTo(before.get(2));
    assertThat(store().append(r.id(), line(10)).sequence()).isEqualTo(4);
    assertThat(store().stages(r.id())).containsExactly(m);
    assertThat(store().readArtifact(r.id(), "s", 1, "a.txt"))
        .isEqualTo("hello".getBytes(StandardCharsets.UTF_8));
    assertThat(store().findByTrigger(r.trigger().triggerId())).isPresent();
    assertThat(
            store()
                .create(RunRecord.builder(r.workflow(), r.config(), r.trigger()).build())
                .created())
        .isFalse();
    assertThat(store().verify(r.id()).ok()).isTrue();
  }
}
