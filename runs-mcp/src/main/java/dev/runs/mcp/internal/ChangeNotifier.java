package dev.runs.mcp.internal;

import dev.runs.RunChange;
import dev.runs.RunId;
import dev.runs.RunStore;
import io.modelcontextprotocol.server.McpAsyncServer;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the store's change notices into MCP {@code notifications/resources/updated}: it watches the
 * store ({@link RunStore#watch}, which reports this process's commits and, for stores that watch
 * their medium, other processes' commits), and tells every server of the run's resource URIs; each
 * server sends the notice only to the sessions subscribed to that URI. Notices are coalesced per
 * run and sent from one thread of its own, so the store's commit thread never waits. Thread-safe.
 */
public final class ChangeNotifier implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ChangeNotifier.class);

  private final Set<McpAsyncServer> servers = ConcurrentHashMap.newKeySet();
  private final Set<RunId> pending = ConcurrentHashMap.newKeySet();
  private final ExecutorService sender;
  private final RunStore.Registration registration;

  /**
   * Starts watching.
   *
   * @param store the store
   */
  public ChangeNotifier(RunStore store) {
    this.sender =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "runs-mcp-notifier");
              t.setDaemon(true);
              return t;
            });
    this.registration = store.watch(this::changed);
  }

  /**
   * @param server a server whose subscribed sessions should hear of changes
   */
  public void add(McpAsyncServer server) {
    servers.add(server);
  }

  /**
   * @param server a server that closed
   */
  public void remove(McpAsyncServer server) {
    servers.remove(server);
  }

  private void changed(RunChange change) {
    if (servers.isEmpty() || !pending.add(change.runId())) {
      return;
    }
    try {
      sender.execute(() -> send(change.runId()));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      pending.remove(change.runId());
    }
  }

  private void send(RunId id) {
    pending.remove(id);
    for (String uri : McpResources.changedUris(id)) {
      McpSchema.ResourcesUpdatedNotification n = new McpSchema.ResourcesUpdatedNotification(uri);
      for (McpAsyncServer s : servers) {
        s.notifyResourcesUpdated(n)
            .subscribe(v -> {}, e -> log.debug("mcp notify {} - failed: {}", uri, e.toString()));
      }
    }
  }

  @Override
  public void close() {
    registration.close();
    sender.shutdown();
    try {
      sender.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
