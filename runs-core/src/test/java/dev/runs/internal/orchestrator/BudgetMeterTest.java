package dev.runs.internal.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runs.Budget;
import java.math.BigDecimal;
import java.time.Duration;
import org.junit.jupiter.api.Test;

final class BudgetMeterTest {
  @Test
  void reachingALimit_isAllowed_crossingItIsNot() {
    BudgetMeter m = new BudgetMeter(Budget.none().withMaxTokens(100), 40, BigDecimal.ZERO);
    m.add(50, 10, BigDecimal.ZERO);
    assertThat(m.check(Duration.ZERO)).isEmpty();

    m.add(1, 0, BigDecimal.ZERO);

    BudgetMeter.Exceeded x = m.check(Duration.ZERO).orElseThrow();
    assertThat(x.dimension()).isEqualTo("tokens");
    assertThat(x.limit()).isEqualByComparingTo("100");
    assertThat(x.actual()).isEqualByComparingTo("101");
  }

  @Test
  void costAndWallTime_areChecked_tokensFirst() {
    BudgetMeter m =
        new BudgetMeter(
            Budget.none()
                .withMaxCost(new BigDecimal("1.00"))
                .withMaxWallTime(Duration.ofSeconds(10)),
            0,
            new BigDecimal("0.95"));
    assertThat(m.check(Duration.ofSeconds(10))).isEmpty();
    assertThat(m.check(Duration.ofSeconds(11)).orElseThrow().dimension()).isEqualTo("wall_time");
    assertThat(m.check(Duration.ofSeconds(11)).orElseThrow().actual())
        .isEqualByComparingTo("11000");

    m.add(0, 0, new BigDecimal("0.10"));

    assertThat(m.check(Duration.ofSeconds(11)).orElseThrow().dimension()).isEqualTo("cost");
    assertThat(m.cost()).isEqualByComparingTo("1.05");
  }

  @Test
  void noBudget_neverExceeds() {
    BudgetMeter m = new BudgetMeter(Budget.none(), 0, BigDecimal.ZERO);
    m.add(Long.MAX_VALUE / 4, 0, new BigDecimal("1e9"));
    assertThat(m.check(Duration.ofDays(365))).isEmpty();
  }
}
