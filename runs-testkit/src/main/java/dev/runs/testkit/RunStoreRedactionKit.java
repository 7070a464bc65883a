package dev.runs.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.ConfigSnapshot;
import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.Payload;
import dev.runs.RunRecord;
import dev.runs.StageWrite;
import dev.runs.Trigger;
import dev.runs.TriggerSource;
import dev.runs.WorkflowRef;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Redaction: seeded secrets never reach the store. The contract's {@code Redaction} group binds
 * these tests to the store under test.
 */
abstract class RunStoreRedactionKit extends RunStoreKit {
  RunStoreRedactionKit(RunStoreContract contract) {
    super(contract);
  }

  @Test
  @DisplayName("seeded secrets never reach the store, in configs, payloads or stage files")
  void secrets_neverStored() {
    String apiKey = "sk-" + "A1b2C3d4E5f6G7h8J9k0";
    String password = "hunter2-" + UUID.randomUUID();
    String bearer = "abcDEF123456ghiJKL789";
    RunRecord r =
        RunRecord.builder(
                WorkflowRef.of("w", "1"),
                ConfigSnapshot.builder()
                    .param("api_key", apiKey)
                    .policy("note", "uses " + apiKey)
                    .build(),
                Trigger.of(TriggerSource.TEST, "secret-" + UUID.randomUUID()))
            .build();
    store().create(r);
    store()
        .append(
            r.id(),
            List.of(
                EventDraft.of(EventTypes.RUN_STARTED),
                EventDraft.of(
                    EventTypes.TOOL_CALL_STARTED,
                    Payload.of(
                        Map.of(
                            "tool_name",
                            "login",
                            "arguments",
                            Map.of(
                                "password",
                                password,
                                "header",
                                "Authorization: Bearer " + bearer))))));
    store()
        .writeStage(
            r.id(), StageWrite.of("auth").withInput(Payload.of(Map.of("client_secret", password))));

    String everything =
        store().get(r.id()).orElseThrow().config().json()
            + all(store(), r.id())
            + new String(
                store().readStageFile(r.id(), "auth", 1, "input.json"), StandardCharsets.UTF_8);
    assertThat(everything)
        .doesNotContain(apiKey)
        .doesNotContain(password)
        .doesNotContain(bearer)
        .contains("[REDACTED]");
    Optional<byte[]> raw = rawBytes();
    if (raw.isPresent()) {
      String rawText = new String(raw.get(), StandardCharsets.ISO_8859_1);
      assertThat(rawText).doesNotContain(apiKey).doesNotContain(password).doesNotContain(bearer);
    }
  }
}
