package dev.runs.spi;

import java.util.Map;

/**
 * Labels taken from the context of the thread that starts a run, added to the record of every run a
 * {@link dev.runs.RunOrchestrator} creates ({@code start}, {@code rerun}, {@code replay}): the W3C
 * {@code traceparent} of the span current when the run starts (what {@code runs-opentelemetry}
 * contributes, so a run started inside a host's HTTP request or consumer span is parented there
 * with no change to the host's code), a tenant from a request scope. A label the request names
 * itself is never replaced.
 *
 * <p>Found by {@link java.util.ServiceLoader} through a {@code
 * META-INF/services/dev.runs.spi.ContextLabels} file, on the class loader of runs-core, when an
 * orchestrator is built; {@link dev.runs.RunOrchestrator.Builder#contextLabels} sets them
 * explicitly instead (an empty list turns them off).
 *
 * <p>Called on the thread that starts the run, once per new run; implementations are thread-safe,
 * fast, and have a public no-argument constructor that does no work. A source that throws, or
 * returns a label the record refuses (a bad key or value, one label too many), is logged and that
 * label left out: a context label never stops a run from starting. Past the record's label limit,
 * the labels left out are those of later sources first, and within one source the greater keys
 * (sources are asked in order, each one's labels taken in key order).
 */
public interface ContextLabels {
  /**
   * Returns the labels of the calling thread's context.
   *
   * @return label keys and values; empty when the context has none
   */
  Map<String, String> labels();
}
