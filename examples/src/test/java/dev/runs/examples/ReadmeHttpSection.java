package dev.runs.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shell blocks of README.md's "HTTP API and the run viewer" section: the one that starts the
 * demo ({@code mvn ... exec:java -Dexec.args="..."}) and the commands to replay against it, each
 * ending in a comment with the HTTP status it answers ({@code # 200}). A command may span lines
 * joined by a trailing backslash, and may capture a variable for later commands ({@code ID=$(curl
 * ... | jq ...)}). Immutable.
 *
 * @param demoArgs the demo's arguments from {@code -Dexec.args}
 * @param commands the commands, in README order
 */
record ReadmeHttpSection(List<String> demoArgs, List<ReadmeHttpSection.Command> commands) {
  static final String HEADING = "## HTTP API and the run viewer";

  private static final Pattern SH_BLOCK =
      Pattern.compile("```(?:sh|bash)\\n(.*?)```", Pattern.DOTALL);
  private static final Pattern STATUS = Pattern.compile("^(.*?)\\s+#\\s*(\\d{3})\\s*$");
  private static final Pattern CAPTURE = Pattern.compile("^([A-Z][A-Z0-9_]*)=\\$\\(");
  private static final Pattern EXEC_ARGS = Pattern.compile("-Dexec\\.args=\"([^\"]*)\"");

  ReadmeHttpSection {
    demoArgs = List.copyOf(demoArgs);
    commands = List.copyOf(commands);
  }

  /**
   * One command of the replayed block.
   *
   * @param text the shell text, continuation lines included, without the status comment
   * @param status the HTTP status the README says it answers
   * @param captures the variable it sets, if it is {@code NAME=$(...)}
   */
  record Command(String text, int status, Optional<String> captures) {}

  /**
   * Reads the section from a README.
   *
   * @param readme the README's text
   * @return the section's start command and commands
   * @throws IllegalArgumentException when the section, its start command or a status is missing
   */
  static ReadmeHttpSection parse(String readme) {
    int start = readme.indexOf(HEADING + "\n");
    if (start < 0) {
      throw new IllegalArgumentException("README.md has no section '" + HEADING + "'");
    }
    int end = readme.indexOf("\n## ", start + HEADING.length());
    String section = readme.substring(start, end < 0 ? readme.length() : end);
    Matcher blocks = SH_BLOCK.matcher(section);
    List<String> demoArgs = null;
    List<Command> commands = new ArrayList<>();
    while (blocks.find()) {
      String block = blocks.group(1).strip();
      if (block.startsWith("mvn ")) {
        Matcher args = EXEC_ARGS.matcher(block);
        if (!block.contains("exec:java") || !args.find()) {
          throw new IllegalArgumentException(
              "the start command must run the demo with exec:java -Dexec.args=\"...\": " + block);
        }
        demoArgs = Arrays.asList(args.group(1).trim().split("\\s+"));
      } else {
        commands.addAll(commands(block));
      }
    }
    if (demoArgs == null) {
      throw new IllegalArgumentException(
          "the section '" + HEADING + "' has no ```sh block starting the demo (mvn ... exec:java)");
    }
    if (commands.isEmpty()) {
      throw new IllegalArgumentException("the section '" + HEADING + "' has no commands");
    }
    return new ReadmeHttpSection(demoArgs, commands);
  }

  private static List<Command> commands(String block) {
    List<Command> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : block.split("\n", -1)) {
      if (current.length() == 0 && (line.isBlank() || line.strip().startsWith("#"))) {
        continue;
      }
      current.append(line);
      if (line.endsWith("\\")) {
        current.append('\n');
        continue;
      }
      String command = current.toString();
      current.setLength(0);
      Matcher m = STATUS.matcher(command.substring(command.lastIndexOf('\n') + 1));
      if (!m.matches()) {
        throw new IllegalArgumentException(
            "a command must end with '# <status>', the status it answers: " + command);
      }
      String text = command.substring(0, command.lastIndexOf('\n') + 1) + m.group(1);
      Matcher capture = CAPTURE.matcher(text);
      out.add(
          new Command(
              text,
              Integer.parseInt(m.group(2)),
              capture.find() ? Optional.of(capture.group(1)) : Optional.empty()));
    }
    if (current.length() > 0) {
      throw new IllegalArgumentException("the block ends inside a command: " + current);
    }
    return out;
  }

  /**
   * @return the repository's README.md, found from the working directory upwards
   * @throws IOException when it cannot be read
   */
  static String readme() throws IOException {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.exists(p.resolve("README.md"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IOException("no README.md above " + Path.of("").toAbsolutePath());
    }
    return Files.readString(p.resolve("README.md"));
  }
}
