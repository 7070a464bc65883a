package dev.runs.cli.internal;

import dev.runs.Lease;
import dev.runs.RunEntry;
import dev.runs.RunQuery;
import dev.runs.RunStatus;
import dev.runs.RunStore;
import dev.runs.cli.RunsCli;
import dev.runs.spi.StoreLocation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code runs doctor}: checks a store and says how to fix what it finds. */
@Command(
    name = "doctor",
    mixinStandardHelpOptions = true,
    description = {
      "Check the store: reachable, format and schema version, disk free, expired leases, runs stuck"
          + " in",
      "running with no lease holder; print the fix for each. Exit code 4 when something is wrong."
    })
final class DoctorCommand implements Callable<Integer> {
  private static final long LOW_DISK = 1L << 30;
  private final Cli cli;

  @Option(
      names = "--fix",
      description = "Mark runs whose lease expired as interrupted (so they can be resumed).")
  boolean fix;

  DoctorCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    Style s = cli.style();
    String ok = s.green("ok   ");
    String bad = s.red("FAIL ");
    String warn = s.yellow("warn ");
    int problems = 0;
    RunStore store;
    try {
      store = cli.store();
    } catch (RuntimeException e) {
      cli.out.println(bad + "store " + cli.storeLabel() + " cannot be opened: " + e.getMessage());
      cli.out.println(
          "     fix: check the URI (sqlite:FILE, file:DIR, postgres://HOST/DB), the path and"
              + " permissions, or the server");
      return RunsCli.FAILURE;
    }
    cli.out.println(ok + "store " + store.location() + " is reachable");
    cli.out.println(
        ok
            + "format "
            + store.format()
            + " (checked, and migrated where needed, when the store opened)");
    StoreLocation loc = StoreLocation.parse(cli.storeUri());
    if (loc.scheme().equals("sqlite") || loc.scheme().equals("file")) {
      Path p = loc.path().toAbsolutePath();
      Path existing = Files.exists(p) ? p : p.getParent();
      try {
        long free = existing == null ? -1 : Files.getFileStore(existing).getUsableSpace();
        if (free >= 0 && free < LOW_DISK) {
          problems++;
          cli.out.println(warn + "disk free " + (free >> 20) + " MiB at " + existing);
          cli.out.println(
              "     fix: free space or archive old runs: runs archive --older-than 30d --archive"
                  + " dir:/mnt/archive");
        } else if (free >= 0) {
          cli.out.println(ok + "disk free " + (free >> 30) + " GiB at " + existing);
        }
      } catch (IOException e) {
        cli.out.println(warn + "disk free unknown: " + e.getMessage());
      }
    }
    List<Lease> expired = store.expiredLeases(1000);
    List<String> stuck = new ArrayList<>();
    List<String> expiredRunning = new ArrayList<>();
    Instant now = Instant.now();
    cli.forEachRun(
        RunQuery.builder().status(RunStatus.RUNNING, RunStatus.CANCEL_REQUESTED),
        (RunEntry e) -> {
          Optional<Lease> lease = store.lease(e.id());
          if (lease.isEmpty()) {
            stuck.add(e.id().value());
          } else if (lease.get().expiresAt().isBefore(now)) {
            expiredRunning.add(e.id().value() + " (owner " + lease.get().owner() + ")");
          }
        });
    if (expired.isEmpty()) {
      cli.out.println(ok + "no expired leases");
    } else {
      cli.out.println(warn + expired.size() + " expired lease(s)");
    }
    if (!expiredRunning.isEmpty()) {
      problems++;
      cli.out.println(
          bad + expiredRunning.size() + " running run(s) whose owner stopped renewing its lease:");
      expiredRunning.forEach(r -> cli.out.println("       " + r));
      if (fix) {
        var marked = cli.orchestrator().recoverInterrupted();
        cli.out.println("     fixed: marked " + marked.size() + " run(s) interrupted");
      } else {
        cli.out.println(
            "     fix: runs doctor --fix marks them interrupted; then runs resume ID --classpath"
                + " host.jar");
      }
    }
    if (stuck.isEmpty()) {
      cli.out.println(ok + "no running runs without a lease holder");
    } else {
      problems++;
      cli.out.println(bad + stuck.size() + " run(s) in running with no lease holder:");
      stuck.stream().limit(20).forEach(r -> cli.out.println("       " + r));
      cli.out.println(
          "     fix: if the process writing them is gone, cancel them: runs cancel --query"
              + " 'status=running' (a host writing through RunStore directly holds no lease)");
    }
    return problems == 0 ? RunsCli.OK : RunsCli.VERIFICATION_FAILED;
  }
}
