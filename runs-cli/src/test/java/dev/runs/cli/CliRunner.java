package dev.runs.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** Runs the tool in process against one store and captures what it printed. */
final class CliRunner {
  record Result(int code, String out, String err) {}

  private final Map<String, String> env = new HashMap<>();
  private String stdin = "";
  private boolean terminal;

  CliRunner(String storeUri) {
    env.put("RUNS_STORE", storeUri);
  }

  CliRunner env(String key, String value) {
    env.put(key, value);
    return this;
  }

  CliRunner stdin(String text) {
    this.stdin = text;
    return this;
  }

  CliRunner terminal(boolean value) {
    this.terminal = value;
    return this;
  }

  Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        RunsCli.builder()
            .in(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)))
            .out(new PrintStream(out, true, StandardCharsets.UTF_8))
            .err(new PrintStream(err, true, StandardCharsets.UTF_8))
            .env(env)
            .terminal(terminal)
            .build()
            .run(args);
    return new Result(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
