package dev.runs.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runs.RunStore;
import dev.runs.RunStores;
import dev.runs.ValidationException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The builder's checks, the command line's usage errors and the end of a stdio session. */
@Timeout(60)
final class RunsMcpServerTest {
  private RunStore store;

  @BeforeEach
  void open() {
    store = RunStores.open("memory:");
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void builder_refusesBadSettings_namingThem() {
    RunsMcpServer.Builder b = RunsMcpServer.builder(store);
    assertThatThrownBy(() -> b.maxBatchEvents(0)).hasMessageContaining("maxBatchEvents");
    assertThatThrownBy(() -> b.maxBodyBytes(10)).hasMessageContaining("maxBodyBytes");
    assertThatThrownBy(() -> b.requestTimeout(Duration.ZERO))
        .hasMessageContaining("requestTimeout");
    assertThatThrownBy(() -> b.eventSource("Not A Source"))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("source");
  }

  @Test
  void serveStdio_returnsWhenInputEnds_andClosedServerRefusesMore() {
    RunsMcpServer mcp = RunsMcpServer.builder(store).eventSource("agent.planner").build();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    mcp.serveStdio(new ByteArrayInputStream(new byte[0]), out);
    mcp.close();
    mcp.close();
    assertThatThrownBy(mcp::httpHandler)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void main_withoutStoreOrWithUnknownArguments_printsUsage() {
    for (String[] args :
        new String[][] {
          {},
          {"--store"},
          {"--colour", "red"},
          {"--store", "memory:", "--http", "x"},
          {"--store", "memory:", "--http", "0", "--token", "short"}
        }) {
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      int status = RunsMcpServer.run(args, new PrintStream(err, true, StandardCharsets.UTF_8));
      assertThat(status).as(String.join(" ", args)).isEqualTo(2);
      assertThat(err.toString(StandardCharsets.UTF_8)).contains("usage:").contains("--store");
    }
  }
}
