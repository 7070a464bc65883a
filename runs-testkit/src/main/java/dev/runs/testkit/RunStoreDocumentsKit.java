package dev.runs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.Payload;
import dev.runs.ValidationException;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Documents: stored once, read back, never overwritten. The contract's {@code Documents} group
 * binds these tests to the store under test.
 */
abstract class RunStoreDocumentsKit extends RunStoreKit {
  RunStoreDocumentsKit(RunStoreContract contract) {
    super(contract);
  }

  @Test
  @DisplayName("documents are stored once, read back, and never overwritten")
  void document_saveFindImmutable() {
    store()
        .saveDocument("recommendations", "rec-1", Payload.of(Map.of("model", "m-1", "score", 3)));
    assertThat(
            store()
                .findDocument("recommendations", "rec-1")
                .orElseThrow()
                .toJsonNode()
                .get("score")
                .asInt())
        .isEqualTo(3);
    assertThat(store().findDocument("recommendations", "rec-2")).isEmpty();
    assertThat(store().findDocument("other", "rec-1")).isEmpty();
    assertThatThrownBy(
            () -> store().saveDocument("recommendations", "rec-1", Payload.of(Map.of("x", 1))))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("already exists");
    assertThatThrownBy(() -> store().saveDocument("Bad Name", "x", Payload.empty()))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("collection");
    assertThat(
            store()
                .findDocument("recommendations", "rec-1")
                .orElseThrow()
                .toJsonNode()
                .get("model")
                .asText())
        .isEqualTo("m-1");
    if (isDurable()) {
      reopen();
      assertThat(store().findDocument("recommendations", "rec-1")).isPresent();
    }
  }
}
