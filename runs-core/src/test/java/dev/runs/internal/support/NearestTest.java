package dev.runs.internal.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

final class NearestTest {
  @Test
  void of_sortsByEditDistanceThenName_andKeepsAtMostMax() {
    List<String> keys = List.of("audience", "tone", "topic", "tonic", "style");

    assertThat(Nearest.of("topik", keys, 3)).containsExactly("topic", "tonic", "tone");
    assertThat(Nearest.of("topik", keys, 10)).hasSize(5).startsWith("topic");
    assertThat(Nearest.of("x", List.of(), 5)).isEmpty();
    assertThat(Nearest.of("x", keys, 0)).isEmpty();
  }

  @Test
  void distance_countsInsertionsDeletionsAndSubstitutions() {
    assertThat(Nearest.distance("", "")).isZero();
    assertThat(Nearest.distance("topic", "topic")).isZero();
    assertThat(Nearest.distance("topik", "topic")).isEqualTo(1);
    assertThat(Nearest.distance("topc", "topic")).isEqualTo(1);
    assertThat(Nearest.distance("kitten", "sitting")).isEqualTo(3);
    assertThat(Nearest.distance("", "abc")).isEqualTo(3);
  }

  @Test
  void of_negativeMax_isRefused() {
    assertThatThrownBy(() -> Nearest.of("x", List.of(), -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-1");
  }
}
