package dev.runs.internal;

import static dev.runs.testsupport.TestRuns.line;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.EventCodec;
import dev.runs.EventDraft;
import dev.runs.EventTypes;
import dev.runs.ExpectedSequence;
import dev.runs.IllegalTransitionException;
import dev.runs.Payload;
import dev.runs.RunEvent;
import dev.runs.RunId;
import dev.runs.RunStatus;
import dev.runs.internal.support.Uuid7;
import dev.runs.spi.RunHead;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The envelopes a batch hands its engine are the canonical envelopes of the events it planned. */
final class PlannedBatchEnvelopeTest {
  private static final RunId RUN = RunId.of("ns/envelopes");
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-12-06T10:00:00.123456Z"), ZoneOffset.UTC);

  @ParameterizedTest(name = "hash chain {0}")
  @ValueSource(booleans = {true, false})
  void envelopes_areTheCanonicalEnvelopesOfThePlannedEvents(boolean hashChain) {
    PlannedBatch batch = new PlannedBatch(RUN, CLOCK, new Uuid7(CLOCK), hashChain);
    batch.add(append(line(1), line(2)));
    // refused half-way by the state machine: its first event's sequence is given to the next
    batch.add(append(line(3), EventDraft.of(EventTypes.RUN_CREATED, Payload.empty())));
    batch.add(append(line(4), EventDraft.of(EventTypes.RUN_COMPLETED, Payload.empty())));
    List<RunEvent> planned = batch.plan(Optional.of(head(hashChain)), Map.of());

    assertThat(batch.appends().get(1).error).isInstanceOf(IllegalTransitionException.class);
    assertThat(planned).extracting(RunEvent::sequence).containsExactly(6L, 7L, 8L, 9L);
    for (RunEvent e : planned) {
      assertThat(e.hash().isPresent()).isEqualTo(hashChain);
      assertThat(batch.envelope(e)).isEqualTo(EventCodec.encodeUtf8(e));
    }
    assertThat(EventCodec.decode(batch.envelope(planned.get(3)))).isEqualTo(planned.get(3));
  }

  @Test
  void anEventTheBatchDidNotPlan_isEncoded() {
    PlannedBatch batch = new PlannedBatch(RUN, CLOCK, new Uuid7(CLOCK), true);
    batch.add(append(line(1)));
    RunEvent planned = batch.plan(Optional.of(head(true)), Map.of()).get(0);
    RunEvent equalButOther = EventCodec.decode(EventCodec.encode(planned));
    RunEvent otherPayload =
        new RunEvent(
            planned.schema(),
            planned.eventId(),
            planned.runId(),
            planned.sequence(),
            planned.type(),
            planned.time(),
            planned.stepId(),
            planned.attempt(),
            planned.parentEventId(),
            planned.source(),
            planned.idempotencyKey(),
            Payload.of(Map.of("other", true)),
            planned.hash(),
            Map.of());

    assertThat(batch.envelope(equalButOther)).isEqualTo(EventCodec.encodeUtf8(planned));
    assertThat(batch.envelope(otherPayload)).isEqualTo(EventCodec.encodeUtf8(otherPayload));
  }

  private static PendingAppend append(EventDraft... drafts) {
    return new PendingAppend(RUN, List.of(drafts), ExpectedSequence.any());
  }

  private static RunHead head(boolean hashChain) {
    return new RunHead(
        5,
        RunStatus.RUNNING,
        Instant.parse("2026-12-06T09:00:00Z"),
        hashChain ? Optional.of("a".repeat(64)) : Optional.empty());
  }
}
