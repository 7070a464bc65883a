package dev.runs.http;

import dev.runs.RunOrchestrator;
import dev.runs.RunStore;
import dev.runs.RunStores;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * Serves the demo workflows on 127.0.0.1 for trying the API and the viewer by hand: {@code java -cp
 * <test classpath> dev.runs.http.ViewerDemo [port] [tick-ms]}. Ctrl-C stops it.
 */
final class ViewerDemo {
  private ViewerDemo() {}

  public static void main(String[] args) throws InterruptedException {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
    Duration tick = Duration.ofMillis(args.length > 1 ? Long.parseLong(args[1]) : 400);
    DemoWorkflows.Gate gate = new DemoWorkflows.Gate();
    RunStore store = RunStores.open("memory:");
    RunOrchestrator orchestrator =
        DemoWorkflows.register(RunOrchestrator.builder(store), gate, tick).build();
    RunsHttpServer server = RunsHttpServer.builder(orchestrator).port(port).start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  gate.release();
                  server.close();
                  orchestrator.close();
                  store.close();
                  stopped.countDown();
                }));
    System.out.println("run viewer at " + server.uri());
    stopped.await();
  }
}
