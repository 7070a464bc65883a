package dev.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

final class BudgetTest {
  @Test
  void json_roundTripsThroughConfig() {
    Budget b =
        Budget.none()
            .withMaxTokens(1000)
            .withMaxCost(new BigDecimal("2.50"))
            .withMaxWallTime(Duration.ofSeconds(90));
    ConfigSnapshot c =
        ConfigSnapshot.empty()
            .withOverrides(List.of(ConfigOverride.add(Budget.CONFIG_POINTER, b.toJson())));

    assertThat(Budget.fromConfig(c)).contains(b);
    assertThat(c.json())
        .isEqualTo(
            "{\"budget\":{\"max_cost\":2.5,\"max_tokens\":1000,\"max_wall_time_ms\":90000}}");
    assertThat(Budget.fromConfig(ConfigSnapshot.empty())).isEmpty();
    assertThat(Budget.none().isUnlimited()).isTrue();
    assertThat(
            Budget.none().withMaxCost(new BigDecimal("100.00")).toJson().get("max_cost").toString())
        .isEqualTo("100");
  }

  @Test
  void negativeLimits_areRefused() {
    assertThatThrownBy(() -> Budget.none().withMaxTokens(-1))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("budget.max_tokens");
    assertThatThrownBy(() -> Budget.none().withMaxCost(new BigDecimal("-0.01")))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("max_cost");
    assertThatThrownBy(() -> Budget.none().withMaxWallTime(Duration.ofSeconds(-1)))
        .isInstanceOf(ValidationException.class);
  }

  @Test
  void malformedConfigBudgets_nameTheField() {
    assertThatThrownBy(
            () -> Budget.fromConfig(ConfigSnapshot.parse("{\"budget\":{\"max_tokens\":\"many\"}}")))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("config.budget.max_tokens");
    assertThatThrownBy(() -> Budget.fromConfig(ConfigSnapshot.parse("{\"budget\":{\"tokens\":5}}")))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("max_tokens, max_cost or max_wall_time_ms");
    assertThatThrownBy(() -> Budget.fromConfig(ConfigSnapshot.parse("{\"budget\":3}")))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("JSON object");
  }
}
