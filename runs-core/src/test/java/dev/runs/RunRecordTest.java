package dev.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.memory.MemoryRunStoreProvider;
import dev.runs.spi.StoreLocation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class RunRecordTest {
  private static final String PARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

  private static RunRecord.Builder builder() {
    return RunRecord.builder(
        WorkflowRef.of("w", "1"), ConfigSnapshot.empty(), Trigger.of(TriggerSource.TEST, "t-1"));
  }

  @Test
  void traceparent_label_isKeptThroughTheStore() {
    RunRecord r = builder().label(RunRecord.TRACEPARENT_LABEL, PARENT).build();
    assertThat(r.traceparent()).contains(PARENT);
    assertThat(RunRecord.fromJson(r.toJson()).traceparent()).contains(PARENT);
    try (RunStore store = new MemoryRunStoreProvider().open(StoreLocation.parse("memory:"))) {
      store.create(r);
      assertThat(store.get(r.id()).orElseThrow().traceparent()).contains(PARENT);
    }
  }

  @Test
  void traceparent_absent_isEmpty() {
    assertThat(builder().build().traceparent()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "not a traceparent"
      })
  void traceparent_malformed_throwsValidationNamingTheLabel(String value) {
    assertThatThrownBy(() -> builder().label(RunRecord.TRACEPARENT_LABEL, value).build())
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("labels.traceparent")
        .hasMessageContaining(value);
  }
}
