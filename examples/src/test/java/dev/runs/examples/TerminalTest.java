package dev.runs.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

final class TerminalTest {
  private static final Map<String, String> XTERM = Map.of("TERM", "xterm-256color");

  @Test
  void detect_interactiveTerminal_usesColour() {
    Terminal t = Terminal.detect(false, true, XTERM);
    assertThat(t.isColor()).isTrue();
    assertThat(t.red("x")).isEqualTo("\u001b[31mx\u001b[0m");
  }

  @Test
  void detect_noConsole_isPlain() {
    assertThat(Terminal.detect(false, false, XTERM).isColor()).isFalse();
  }

  @Test
  void detect_noColorFlag_isPlain() {
    assertThat(Terminal.detect(true, true, XTERM).isColor()).isFalse();
  }

  @Test
  void detect_noColorVariable_isPlainEvenWhenEmpty() {
    assertThat(Terminal.detect(false, true, Map.of("TERM", "xterm", "NO_COLOR", "")).isColor())
        .isFalse();
  }

  @Test
  void detect_dumbOrMissingTerm_isPlain() {
    assertThat(Terminal.detect(false, true, Map.of("TERM", "dumb")).isColor()).isFalse();
    assertThat(Terminal.detect(false, true, Map.of()).isColor()).isFalse();
  }

  @Test
  void consoleIsTerminal_underTheTestRunnerWithPipedOutput_isFalse() {
    assertThat(Terminal.consoleIsTerminal()).isFalse();
  }

  @Test
  void plain_stylesNothing() {
    Terminal t = Terminal.plain();
    assertThat(t.bold(t.green("ok"))).isEqualTo("ok");
    assertThat(t.heading("Title")).endsWith("Title" + System.lineSeparator() + "=====");
  }
}
