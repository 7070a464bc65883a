package dev.runs.micrometer.internal;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/** The JFR event types: a flight recording of a host shows where its runs spent time. */
public final class JfrEvents {
  private JfrEvents() {}

  /** One execution of a run, from its start to its end on the executing thread. */
  @Name("dev.runs.Run")
  @Label("Run")
  @Category({"Runs"})
  @Description("One execution of a run")
  @StackTrace(false)
  public static final class Run extends Event {
    /** The run id. */
    @Label("Run Id")
    public String runId = "";

    /** The workflow name. */
    @Label("Workflow")
    public String workflow = "";

    /** The execution number, 1 for the first. */
    @Label("Execution")
    public int execution;

    /** The status it ended in. */
    @Label("Status")
    public String status = "";
  }

  /** One step attempt. */
  @Name("dev.runs.Step")
  @Label("Step")
  @Category({"Runs"})
  @Description("One attempt of a durable step")
  @StackTrace(false)
  public static final class Step extends Event {
    /** The run id. */
    @Label("Run Id")
    public String runId = "";

    /** The step path. */
    @Label("Step")
    public String stepId = "";

    /** The attempt number. */
    @Label("Attempt")
    public int attempt;

    /** Whether it completed. */
    @Label("Succeeded")
    public boolean succeeded;
  }

  /** One model generation, from its started to its completed or failed event. */
  @Name("dev.runs.ModelCall")
  @Label("Model Call")
  @Category({"Runs"})
  @Description("One model generation, between the commits of its start and end events")
  @StackTrace(false)
  public static final class ModelCall extends Event {
    /** The run id. */
    @Label("Run Id")
    public String runId = "";

    /** The provider. */
    @Label("Provider")
    public String provider = "";

    /** The model. */
    @Label("Model")
    public String model = "";

    /** Input tokens. */
    @Label("Input Tokens")
    public long inputTokens;

    /** Output tokens. */
    @Label("Output Tokens")
    public long outputTokens;

    /** Whether it failed. */
    @Label("Failed")
    public boolean failed;
  }

  /** One group commit of the store. */
  @Name("dev.runs.Commit")
  @Label("Commit")
  @Category({"Runs"})
  @Description("One group commit: the engine's latency and the batch size")
  @StackTrace(false)
  public static final class Commit extends Event {
    /** Events written. */
    @Label("Events")
    public int events;

    /** Runs written to. */
    @Label("Runs")
    public int runs;

    /** Append calls gathered. */
    @Label("Appends")
    public int appends;

    /** How long the engine took to make the commit durable. */
    @Label("Latency")
    @Timespan(Timespan.NANOSECONDS)
    public long latency;
  }
}
