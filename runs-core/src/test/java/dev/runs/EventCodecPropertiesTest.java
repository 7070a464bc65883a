package dev.runs;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

final class EventCodecPropertiesTest {
  @Property(tries = 300)
  void decodeOfEncode_isIdentity(@ForAll("events") RunEvent event) {
    String line = EventCodec.encode(event);
    assertThat(line).doesNotContain("\n");
    RunEvent back = EventCodec.decode(line);
    assertThat(back).isEqualTo(event);
    assertThat(EventCodec.encode(back)).isEqualTo(line);
  }

  /** A leading space makes the canonical fast path decline, so the general parser reads it. */
  @Property(tries = 300)
  void fastPathAndGeneralParser_agree(@ForAll("events") RunEvent event) {
    String line = EventCodec.encode(event);
    assertThat(EventCodec.decode(" " + line)).isEqualTo(EventCodec.decode(line));
  }

  @Property(tries = 300)
  void damagedLines_areRefusedByBothPaths(@ForAll("events") RunEvent event,
      @ForAll @net.jqwik.api.constraints.IntRange(min = 1, max = 400) int cut) {
    String line = EventCodec.encode(event);
    String torn = line.substring(0, Math.max(1, line.length() - Math.min(cut, line.length() - 1)));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> EventCodec.decode(torn))
        .isInstanceOf(ValidationException.class);
  }

  @Provide
  Arbitrary<RunEvent> events() {
    // any Unicode text: every BMP character outside the surrogate block, plus pairs (emoji)
    Arbitrary<String> text = Arbitraries.oneOf(
        Arbitraries.strings().withCharRange('\u0000', '\ud7ff').withCharRange('\ue000', '\ufffd').ofMaxLength(40),
        Arbitraries.of("\ud83d\ude00", "a\ud834\udd1eb", "\u00e9t\u00e9"));
    Arbitrary<Object> leaf = Arbitraries.oneOf(
        text.map(s -> (Object) s),
        Arbitraries.longs().map(l -> (Object) l),
        Arbitraries.bigDecimals().between(new java.math.BigDecimal("-1e9"), new java.math.BigDecimal("1e9"))
            .ofScale(4).map(d -> (Object) d),
        Arbitraries.of(true, false).map(b -> (Object) b));
    Arbitrary<Object> list = leaf.list().ofMaxSize(4).map(l -> (Object) l);
    Arbitrary<Map<String, Object>> payload = Arbitraries.maps(text, Arbitraries.oneOf(leaf, list))
        .ofMaxSize(6).map(LinkedHashMap::new);
    Arbitrary<Optional<String>> step = Arbitraries.of("plan", "plan/search", "build:1", "a.b/c-d_e@2")
        .optional();
    Arbitrary<Long> seq = Arbitraries.longs().between(1, Long.MAX_VALUE);
    Arbitrary<Instant> time = Arbitraries.longs().between(0, 253_402_300_799L).map(Instant::ofEpochSecond)
        .flatMap(i -> Arbitraries.integers().between(0, 999_999_999).map(i::plusNanos));
    Arbitrary<EventType> type = Arbitraries.oneOf(Arbitraries.of(EventTypes.all()),
        Arbitraries.of("x.acme.score", "x.a.b.c").map(EventType::of));
    return Combinators.combine(seq, time, step, payload, type, Arbitraries.integers().between(1, 99).optional(),
            text.filter(s -> !s.isEmpty() && s.chars().noneMatch(c -> c < 0x20 || c == 0x7f)).optional())
        .as((s, t, st, p, ty, att, key) -> new RunEvent(RunEvent.SCHEMA, EventId.random(),
            RunId.of("ns/run-1"), s, ty, t, st,
            att.map(OptionalInt::of).orElse(OptionalInt.empty()),
            Optional.empty(), "host", key, Payload.of(p), Map.of()));
  }

  @Property(tries = 50)
  void unknownFields_surviveARoundTrip(@ForAll("fieldNames") List<String> names) {
    RunEvent base = new RunEvent(RunEvent.SCHEMA, EventId.random(), RunId.of("r"), 1, EventTypes.RUN_CREATED,
        Instant.EPOCH, Optional.empty(), OptionalInt.empty(), Optional.empty(), "store", Optional.empty(),
        Payload.empty(), Map.of());
    StringBuilder line = new StringBuilder(EventCodec.encode(base));
    line.setLength(line.length() - 1);
    for (String n : names) {
      line.append(",\"").append(n).append("\":{\"v\":[1,\"two\",null]}");
    }
    line.append('}');
    RunEvent e = EventCodec.decode(line.toString());
    assertThat(e.unknownFields()).containsOnlyKeys(names);
    assertThat(EventCodec.decode(EventCodec.encode(e))).isEqualTo(e);
  }

  @Provide
  Arbitrary<List<String>> fieldNames() {
    return Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(8)
        .filter(s -> !List.of("schema", "sequence", "type", "time", "source", "payload", "attempt")
            .contains(s))
        .list().uniqueElements().ofMaxSize(4);
  }
}
