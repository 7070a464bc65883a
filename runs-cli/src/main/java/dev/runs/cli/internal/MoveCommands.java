package dev.runs.cli.internal;

import dev.runs.ArchiveStore;
import dev.runs.ArchiveStores;
import dev.runs.ArchivedRun;
import dev.runs.ImportResult;
import dev.runs.RetentionPolicy;
import dev.runs.RunArchiver;
import dev.runs.RunBundles;
import dev.runs.RunEntry;
import dev.runs.RunId;
import dev.runs.RunQuery;
import dev.runs.RunSelection;
import dev.runs.RunStoreOptions;
import dev.runs.StoreConfigurationException;
import dev.runs.SweepReport;
import dev.runs.Tombstone;
import dev.runs.TransferReport;
import dev.runs.ValidationException;
import dev.runs.cli.RunsCli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The commands that move runs: export, import, archive, delete. */
final class MoveCommands {
  private MoveCommands() {}

  /** A selection from a batch query, with its label filters (the workflow is matched by name). */
  static RunSelection selection(String query) {
    Formats.Filter f = Formats.query(query, Instant.now());
    if (f.version().isPresent()) {
      throw CliException.usage(
          "this command selects by workflow name only; write workflow=NAME without @VERSION");
    }
    RunSelection s = RunSelection.of(f.query().limit(RunQuery.MAX_LIMIT).build());
    for (Map.Entry<String, String> l : f.labels().entrySet()) {
      s = s.withLabel(l.getKey(), l.getValue());
    }
    return f.workflow().isPresent() ? s.withWorkflow(f.workflow().get()) : s;
  }

  static int report(Cli cli, TransferReport r, String verb) {
    cli.out.println(verb + " " + Progress.text(r.progress()));
    for (TransferReport.Failure f : r.failures()) {
      cli.err.println("runs: " + f.item() + ": " + f.message());
    }
    return r.ok() ? RunsCli.OK : RunsCli.FAILURE;
  }

  @Command(
      name = "export",
      mixinStandardHelpOptions = true,
      description = {
        "Write runs as bundles (" + RunBundles.SUFFIX + "): one run to a file or standard",
        "output, or every run of --all / --query into a directory, with progress."
      })
  static final class Export implements Callable<Integer> {
    private final Cli cli;

    @Parameters(paramLabel = "ID", arity = "0..1", description = "Run id or a unique suffix.")
    @Nullable String id;

    @Option(names = "--all", description = "Export every run.")
    boolean all;

    @Option(names = "--query", description = "Export the runs matching, e.g. 'namespace=acme'.")
    @Nullable String query;

    @Option(
        names = "--to",
        paramLabel = "PATH",
        description =
            "File for one run ('-' for standard output; default ./<id>"
                + RunBundles.SUFFIX
                + "), directory for several (required).")
    @Nullable Path to;

    @Option(
        names = "--form",
        paramLabel = "FORM",
        description = {
          "One run's bundle as 'file' (default: one NDJSON file), 'dir' (bundle.ndjson with the",
          "stage files beside it under files/; default ./<id>.runs) or 'zip' (the same in one",
          "zip; default ./<id>.runs.zip), for runs with large stage files."
        })
    String form = "file";

    Export(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      int given = (id != null ? 1 : 0) + (all ? 1 : 0) + (query != null ? 1 : 0);
      if (given != 1) {
        throw CliException.usage("give one of: a run id, --all, --query");
      }
      RunBundles.Form f =
          switch (form) {
            case "file" -> RunBundles.Form.FILE;
            case "dir" -> RunBundles.Form.DIRECTORY;
            case "zip" -> RunBundles.Form.ZIP;
            default -> throw CliException.usage("--form is file, dir or zip, not '" + form + "'");
          };
      if (id == null && f != RunBundles.Form.FILE) {
        throw CliException.usage("--form " + form + " exports one run; give a run id");
      }
      if (id != null) {
        RunId run = cli.resolve(id);
        if (to != null && to.toString().equals("-")) {
          if (f != RunBundles.Form.FILE) {
            throw CliException.usage("--form " + form + " cannot go to standard output");
          }
          RunBundles.export(cli.store(), run, cli.out);
          return RunsCli.OK;
        }
        String base = RunBundles.fileName(run);
        base = base.substring(0, base.length() - RunBundles.SUFFIX.length());
        Path file =
            to != null
                ? to
                : Path.of(
                    switch (f) {
                      case FILE -> RunBundles.fileName(run);
                      case DIRECTORY -> base + ".runs";
                      case ZIP -> base + ".runs.zip";
                    });
        long events = RunBundles.export(cli.store(), run, file, f);
        cli.out.println("exported run " + run.value() + " (" + events + " events) to " + file);
        return RunsCli.OK;
      }
      if (to == null) {
        throw CliException.usage("give --to DIR for the bundles");
      }
      RunSelection sel = all ? RunSelection.all() : selection(Objects.requireNonNull(query));
      Progress p = new Progress(cli.err, cli.terminal, "exported");
      TransferReport r = RunBundles.exportAll(cli.store(), sel, to, p);
      p.done();
      return report(cli, r, "exported");
    }
  }

  @Command(
      name = "import",
      mixinStandardHelpOptions = true,
      description = "Import a bundle file, or every bundle in a directory, with progress.")
  static final class Import implements Callable<Integer> {
    private final Cli cli;

    @Parameters(
        paramLabel = "PATH",
        description =
            "A bundle (a file, a zip, or a directory holding bundle.ndjson), or a directory of"
                + " bundle files.")
    Path path = Path.of(".");

    @Option(
        names = "--force",
        description = "Import a single bundle even over a tombstone (a deleted run's id).")
    boolean force;

    Import(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      if (!Files.exists(path)) {
        throw CliException.usage(path + " does not exist; give a bundle file or a directory");
      }
      if (Files.isDirectory(path) && !Files.exists(path.resolve("bundle.ndjson"))) {
        if (force) {
          throw CliException.usage("--force imports one bundle file; name the file");
        }
        Progress p = new Progress(cli.err, cli.terminal, "imported");
        TransferReport r = RunBundles.importAll(cli.store(), path, p);
        p.done();
        return report(cli, r, "imported");
      }
      ImportResult r =
          force
              ? RunBundles.forceImportInto(cli.store(), path)
              : RunBundles.importInto(cli.store(), path);
      cli.out.println(
          (r.imported() ? "imported run " : "already present, skipped: run ")
              + r.runId().value()
              + " ("
              + r.eventCount()
              + " events)");
      return RunsCli.OK;
    }
  }

  @Command(
      name = "archive",
      mixinStandardHelpOptions = true,
      description = {
        "Move ended runs to an archive (dir:/path; s3://... with the runs-archive-s3 jar and the",
        "AWS SDK on --classpath) leaving a stub that reads through; or --restore one back."
      })
  static final class Archive implements Callable<Integer> {
    private final Cli cli;

    @Parameters(paramLabel = "ID", arity = "0..1", description = "Run id or a unique suffix.")
    @Nullable String id;

    @Option(
        names = "--archive",
        required = true,
        paramLabel = "URI",
        description = "e.g. dir:/mnt/archive")
    String archive = "";

    @Option(
        names = "--older-than",
        paramLabel = "AGE",
        description = "Sweep: archive every ended run whose last event is older, e.g. 30d.")
    @Nullable String olderThan;

    @Option(names = "--query", description = "With --older-than: only the runs matching.")
    @Nullable String query;

    @Option(names = "--restore", description = "Bring the run back from the archive.")
    boolean restore;

    Archive(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      if ((id == null) == (olderThan == null)) {
        throw CliException.usage("give a run id or --older-than AGE (not both)");
      }
      if (restore && id == null) {
        throw CliException.usage("--restore needs a run id");
      }
      java.time.Duration age = olderThan == null ? null : Formats.age("--older-than", olderThan);
      ArchiveStore a;
      try {
        a = ArchiveStores.open(archive, cli.classPath().loader());
      } catch (StoreConfigurationException | ValidationException e) {
        throw CliException.usage("--archive: " + e.getMessage());
      }
      cli.closeAfterStore(a);
      cli.storeOptions = RunStoreOptions.builder().archive(a).build();
      if (id != null) {
        RunId run = cli.resolve(id);
        RunArchiver archiver =
            RunArchiver.of(cli.store(), a, RetentionPolicy.keepFor(java.time.Duration.ZERO));
        if (restore) {
          boolean done = archiver.restore(run);
          cli.out.println(
              done ? "restored run " + run.value() : "run " + run.value() + " was not archived");
          return RunsCli.OK;
        }
        Optional<ArchivedRun> where = archiver.archive(run);
        cli.out.println(
            where
                .map(
                    w ->
                        "archived run "
                            + run.value()
                            + " ("
                            + w.eventCount()
                            + " events) to "
                            + w.archive())
                .orElse("run " + run.value() + " is already archived"));
        return RunsCli.OK;
      }
      RetentionPolicy policy = RetentionPolicy.keepFor(Objects.requireNonNull(age));
      if (query != null) {
        policy = policy.within(selection(query));
      }
      SweepReport r = RunArchiver.of(cli.store(), a, policy).sweep();
      cli.out.printf(
          java.util.Locale.ROOT,
          "archived %d runs (%,d events, %,d bytes), %d skipped, %d failed in %s%n",
          r.archived(),
          r.events(),
          r.bytes(),
          r.skipped(),
          r.failed(),
          Formats.duration(r.elapsed()));
      for (TransferReport.Failure f : r.failures()) {
        cli.err.println("runs: " + f.item() + ": " + f.message());
      }
      return r.failed() == 0 ? RunsCli.OK : RunsCli.FAILURE;
    }
  }

  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      description = {
        "Delete ended runs (record, events, stages, archive copy), leaving a tombstone.",
        "Asks first unless --yes."
      })
  static final class Delete implements Callable<Integer> {
    private final Cli cli;

    @Parameters(paramLabel = "ID", arity = "0..1", description = "Run id or a unique suffix.")
    @Nullable String id;

    @Option(
        names = "--query",
        description = "Delete every run matching, e.g. 'label.customer=c42'.")
    @Nullable String query;

    @Option(names = "--reason", required = true, description = "Why; kept in the tombstone.")
    String reason = "";

    @Option(
        names = {"-y", "--yes"},
        description = "Do not ask.")
    boolean yes;

    Delete(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      if ((id == null) == (query == null)) {
        throw CliException.usage("give a run id or --query (not both)");
      }
      List<RunId> runs = new ArrayList<>();
      if (id != null) {
        runs.add(cli.resolve(id));
      } else {
        RunSelection sel = selection(query);
        cli.forEachRun(
            RunQuery.builder(),
            e -> {
              if (sel.matches(e)) {
                runs.add(e.id());
              }
            });
      }
      if (runs.isEmpty()) {
        cli.err.println("no runs match; nothing to delete");
        return RunsCli.OK;
      }
      for (RunId r : runs) {
        RunEntry e = cli.store().entry(r).orElseThrow();
        if (!e.status().isTerminal() && !e.status().isResumable()) {
          throw CliException.failure(
              "run "
                  + r.value()
                  + " is "
                  + e.status().wireName()
                  + "; cancel it first (runs cancel "
                  + r.value()
                  + "); nothing deleted");
        }
      }
      cli.err.println("delete " + runs.size() + " run(s): " + preview(runs));
      if (!yes && !cli.confirm("Delete " + runs.size() + " run(s) for good?")) {
        cli.err.println("nothing deleted");
        return RunsCli.FAILURE;
      }
      for (RunId r : runs) {
        Tombstone t = cli.store().delete(r, reason);
        cli.out.println("deleted run " + t.runId().value());
      }
      return RunsCli.OK;
    }

    private static String preview(List<RunId> runs) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < Math.min(5, runs.size()); i++) {
        b.append(i == 0 ? "" : ", ").append(runs.get(i).value());
      }
      return b + (runs.size() > 5 ? ", ..." : "");
    }
  }
}
