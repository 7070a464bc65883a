package dev.runs.cli.internal;

import dev.runs.cli.RunsCli;

/** A failure the tool reports as one line with an exit code; never shows a stack trace. */
final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int exitCode;

  CliException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  static CliException usage(String message) {
    return new CliException(RunsCli.USAGE, message);
  }

  static CliException notFound(String message) {
    return new CliException(RunsCli.NOT_FOUND, message);
  }

  static CliException failure(String message) {
    return new CliException(RunsCli.FAILURE, message);
  }

  int exitCode() {
    return exitCode;
  }
}
