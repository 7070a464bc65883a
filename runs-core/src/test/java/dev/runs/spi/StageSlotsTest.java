package dev.runs.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.RunId;
import dev.runs.StageExistsException;
import dev.runs.StageManifest;
import dev.runs.StageWrite;
import java.time.Instant;
import org.junit.jupiter.api.Test;

final class StageSlotsTest {
  private static final RunId RUN = RunId.of("r1");

  @Test
  void firstStage_takesPositionOneAttemptOne() {
    StageSlots slots = StageSlots.of(RUN, StageWrite.of("fetch"));
    assertThat(slots.position()).isEqualTo(1);
    assertThat(slots.attempt()).isEqualTo(1);
  }

  @Test
  void newKey_takesOneAfterTheHighestPosition() {
    StageSlots slots =
        StageSlots.of(RUN, StageWrite.of("train"))
            .add("fetch", 1, 1)
            .add("fetch", 1, 2)
            .add("parse", 3, 1);
    assertThat(slots.position()).isEqualTo(4);
    assertThat(slots.attempt()).isEqualTo(1);
  }

  @Test
  void knownKey_keepsItsPosition_nextAttemptIsOneMoreThanItsHighest() {
    StageSlots slots =
        StageSlots.of(RUN, StageWrite.of("fetch"))
            .add("fetch", 1, 1)
            .add("fetch", 1, 3)
            .add("parse", 2, 7);
    assertThat(slots.position()).isEqualTo(1);
    assertThat(slots.attempt()).isEqualTo(4);
  }

  @Test
  void stageWithoutAttempts_keepsItsPosition() {
    StageSlots slots =
        StageSlots.of(RUN, StageWrite.of("fetch")).addStage("parse", 1).addStage("fetch", 2);
    assertThat(slots.position()).isEqualTo(2);
    assertThat(slots.attempt()).isEqualTo(1);
  }

  @Test
  void keyAtTwoPositions_theLowestWins() {
    StageSlots slots =
        StageSlots.of(RUN, StageWrite.of("fetch")).addStage("fetch", 5).addStage("fetch", 2);
    assertThat(slots.position()).isEqualTo(2);
  }

  @Test
  void namedAttempt_isUsed_orRefusedWhenTaken() {
    StageSlots free = StageSlots.of(RUN, StageWrite.of("fetch").withAttempt(5)).add("fetch", 1, 1);
    assertThat(free.attempt()).isEqualTo(5);
    StageSlots taken = StageSlots.of(RUN, StageWrite.of("fetch").withAttempt(1)).add("fetch", 1, 1);
    assertThatThrownBy(taken::attempt)
        .isInstanceOf(StageExistsException.class)
        .hasMessageContaining("fetch");
    // the same attempt number of another stage does not count
    StageSlots other = StageSlots.of(RUN, StageWrite.of("fetch").withAttempt(1)).add("parse", 1, 1);
    assertThat(other.attempt()).isEqualTo(1);
  }

  @Test
  void manifest_carriesTheSlot() {
    StageManifest first = StageSlots.of(RUN, StageWrite.of("fetch")).manifest(Instant.EPOCH);
    StageManifest m = StageSlots.of(RUN, StageWrite.of("parse")).add(first).manifest(Instant.EPOCH);
    assertThat(m.position()).isEqualTo(2);
    assertThat(m.attempt()).isEqualTo(1);
    assertThat(m.stageKey()).isEqualTo("parse");
  }

  @Test
  void add_positionOrAttemptBelowOne_isAProgrammingError() {
    StageSlots slots = StageSlots.of(RUN, StageWrite.of("fetch"));
    assertThatThrownBy(() -> slots.add("fetch", 0, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("position 0");
    assertThatThrownBy(() -> slots.add("fetch", 1, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("attempt 0");
  }
}
