package dev.runs;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link Workflow} gets for one execution of a run: the run's record and frozen config, its
 * budget, a cancellation token, durable steps, and emitters for the event taxonomy. Every event
 * written through the context has source {@code orchestrator}, carries the enclosing step path and
 * attempt, and has a deterministic idempotency key, so an execution that repeats work (a resume)
 * never writes an event twice.
 *
 * <p><b>Steps.</b> {@link #step(String, Class, StepBody)} is the unit of durability: {@code
 * step.started}, then {@code step.completed} with the output as JSON, or {@code step.failed}. A
 * step recorded as completed in this run (on resume) or in the source run before the replay point
 * (on replay) returns its recorded output without running its body, unless the store's redactor
 * changed that output when it was recorded: then the body runs again and its {@code step.started}
 * says why ({@code not_reused}), so the workflow never goes on with masked values. Step ids must be
 * unique within an execution and stable across executions; phases prefix them ({@code
 * build/compile}). Cancellation and budgets are checked before every step.
 *
 * <p><b>Threads.</b> The workflow runs on one orchestrator executor thread. The context is meant to
 * be used from that thread; {@link #cancellation()} may be shared with any thread.
 */
public interface RunContext {
  /**
   * @return the run
   */
  RunId runId();

  /**
   * @return the run's record
   */
  RunRecord record();

  /**
   * @return the run's frozen config snapshot
   */
  ConfigSnapshot config();

  /**
   * @return the run's budget, {@link Budget#none()} when it has none
   */
  Budget budget();

  /**
   * @return the execution number of the run: 1, then 2 after the first resume, and so on
   */
  int attempt();

  /**
   * @return the token telling the workflow to stop
   */
  CancellationToken cancellation();

  /**
   * Runs a durable step with {@link StepOptions#defaults()}.
   *
   * @param id the step id, unique within the execution (letters, digits, {@code - _ . : @})
   * @param outputType the output's type, for reading a recorded output back
   * @param body the work
   * @param <T> the output type
   * @return the body's output, or the recorded output when the step already completed
   * @throws StepFailedException when the last attempt fails
   * @throws RunCancelledException when the run was asked to stop before the step
   * @throws BudgetExceededException when the run's budget is used up
   */
  <T> T step(String id, Class<T> outputType, StepBody<T> body);

  /**
   * Runs a durable step.
   *
   * @param id the step id
   * @param outputType the output's type
   * @param options retries, backoff and interrupt-on-cancel
   * @param body the work
   * @param <T> the output type
   * @return the body's output, or the recorded output when the step already completed
   * @throws StepFailedException when the last attempt fails
   * @throws RunCancelledException when the run was asked to stop
   * @throws BudgetExceededException when the run's budget is used up
   */
  <T> T step(String id, Class<T> outputType, StepOptions options, StepBody<T> body);

  /**
   * Runs a phase: {@code phase.started}, the body with {@code id} as the prefix of the step ids
   * inside it, then {@code phase.completed} or {@code phase.failed}. A phase that already completed
   * in an earlier execution runs its body again (its steps return their recorded outputs) without
   * writing its phase events again.
   *
   * @param id the phase id
   * @param body the phase's work
   * @throws Exception what the body throws, after {@code phase.failed} is written
   */
  void phase(String id, PhaseBody body) throws Exception;

  /**
   * Starts describing a model call.
   *
   * @param provider e.g. {@code openai}
   * @param model e.g. {@code gpt-4.1}
   * @return the call, to add parameters and route metadata to and then start
   */
  ModelCall model(String provider, String model);

  /**
   * Runs a tool call: {@code tool.call.started}, the body, then {@code tool.call.completed} with
   * its result or {@code tool.call.failed}; both point at the start as their parent.
   *
   * @param name tool name
   * @param version tool version
   * @param arguments the arguments (record, map, list, string, JSON tree or null)
   * @param fn the call
   * @param <T> the result type
   * @return the result
   * @throws Exception what the call throws, after {@code tool.call.failed} is written
   */
  <T> T tool(String name, String version, @Nullable Object arguments, ToolBody<T> fn)
      throws Exception;

  /**
   * Writes {@code tool.call.started} and returns a handle to end the call with, for calls that do
   * not fit in one block (streaming, callbacks).
   *
   * @param name tool name
   * @param version tool version
   * @param arguments the arguments
   * @return the call in flight
   */
  ToolCall toolCall(String name, String version, @Nullable Object arguments);

  /**
   * Writes {@code agent.handoff}.
   *
   * @param fromAgent the agent handing over
   * @param toAgent the agent taking over
   * @param reason why; may be empty
   * @return the event
   */
  RunEvent handoff(String fromAgent, String toAgent, String reason);

  /**
   * Writes {@code guardrail.checked}.
   *
   * @param name the guardrail
   * @param stage input or output side
   * @param passed true for verdict {@code passed}, false for {@code tripped}
   * @param details anything worth keeping (record, map, string...), or null
   * @return the event
   */
  RunEvent guardrail(String name, GuardrailStage stage, boolean passed, Object details);

  /**
   * Writes {@code console.line}.
   *
   * @param stream e.g. {@code stdout}, {@code stderr}
   * @param text the line
   * @return the event
   */
  RunEvent console(String stream, String text);

  /**
   * Writes {@code decision.recorded}.
   *
   * @param name what was decided, e.g. {@code route}
   * @param value the choice
   * @param rationale why; may be empty
   * @return the event
   */
  RunEvent decision(String name, Object value, String rationale);

  /**
   * Writes {@code checkpoint.saved}: a point a replay can start from ({@link
   * ReplayPoint#checkpoint(String)}).
   *
   * @param id the checkpoint id
   * @return the event
   */
  RunEvent checkpoint(String id);

  /**
   * Writes a host-defined event.
   *
   * @param xType {@code x.<namespace>.<name>}, e.g. {@code x.acme.score}
   * @param payload a record or map (a JSON object)
   * @return the event
   * @throws ValidationException when the type is not {@code x.*} or the payload not an object
   */
  RunEvent custom(String xType, Object payload);

  /**
   * Writes a typed payload (e.g. the records of {@code dev.runs.payload}).
   *
   * @param payload the payload
   * @return the event
   */
  RunEvent emit(EventPayload payload);

  /**
   * Writes a draft. The enclosing step and attempt and a deterministic idempotency key are added
   * where the draft has none; its source is kept. Lifecycle types ({@code run.*}) are refused: the
   * orchestrator writes those.
   *
   * @param draft the event
   * @return the event
   * @throws ValidationException for a {@code run.*} type or a payload that breaks its type's rules
   */
  RunEvent emit(EventDraft draft);

  /**
   * Starts a stage writer.
   *
   * @param key the stage key, e.g. {@code fetch}
   * @return the writer
   */
  StageWriter stage(String key);

  /**
   * Adds a highlight to the run's {@link RunSummary} (top candidates, table sizes...). Recorded as
   * an {@code x.runs.highlight} event, so the summary can be rebuilt from the log; a later value
   * for the same key wins.
   *
   * @param key the highlight's name
   * @param value its value (record, map, list, string, number, JSON tree)
   * @return the event
   */
  RunEvent highlight(String key, Object value);

  /**
   * @param stepId a step path
   * @return the output the step recorded in this run or reuses from the replay source, as JSON;
   *     empty when there is none or when the store's redactor changed it ({@code output_redacted}),
   *     since it is then not what the step returned and the step runs again
   */
  Optional<JsonNode> recordedOutput(String stepId);
}
