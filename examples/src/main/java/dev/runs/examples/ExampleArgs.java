package dev.runs.examples;

/**
 * The command line of the embedding examples: {@code [--store <uri>]}, {@code memory:} by default.
 */
final class ExampleArgs {
  private ExampleArgs() {}

  /**
   * @param args the main method's arguments
   * @return the store URI to use
   * @throws IllegalArgumentException for anything but {@code --store <uri>}
   */
  static String storeUri(String[] args) {
    if (args.length == 0) {
      return "memory:";
    }
    if (args.length == 2 && args[0].equals("--store") && !args[1].isBlank()) {
      return args[1];
    }
    throw new IllegalArgumentException(
        "usage: [--store <uri>], e.g. --store sqlite:/tmp/example.db;"
            + " got "
            + String.join(" ", args));
  }
}
