package dev.runs.opentelemetry.internal;

import static io.opentelemetry.api.common.AttributeKey.doubleKey;
import static io.opentelemetry.api.common.AttributeKey.longKey;
import static io.opentelemetry.api.common.AttributeKey.stringKey;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.semconv.incubating.GenAiIncubatingAttributes;

/**
 * The attribute keys and operation names the spans carry. GenAI keys come from the semantic
 * conventions' incubating constants (version {@link #SEMCONV_VERSION}); keys the conventions do not
 * define are {@code runs.*}, and the few GenAI names with no generated constant are spelled here
 * once, citing the convention.
 */
public final class Keys {
  /** The OpenTelemetry semantic conventions version the spans follow. */
  public static final String SEMCONV_VERSION = "1.37.0";

  /** The {@code OTEL_SEMCONV_STABILITY_OPT_IN} value that selects the latest GenAI conventions. */
  public static final String LATEST_OPT_IN = "gen_ai_latest_experimental";

  static final AttributeKey<String> OPERATION = GenAiIncubatingAttributes.GEN_AI_OPERATION_NAME;

  /** 1.37: the provider ({@code gen_ai.provider.name}) under the latest conventions. */
  static final AttributeKey<String> PROVIDER = GenAiIncubatingAttributes.GEN_AI_PROVIDER_NAME;

  /** Up to 1.36: the provider as {@code gen_ai.system}, the default until a host opts in. */
  @SuppressWarnings("deprecation") // deprecated in 1.37 for gen_ai.provider.name
  static final AttributeKey<String> SYSTEM = GenAiIncubatingAttributes.GEN_AI_SYSTEM;

  static final AttributeKey<String> REQUEST_MODEL = GenAiIncubatingAttributes.GEN_AI_REQUEST_MODEL;
  static final AttributeKey<String> RESPONSE_MODEL =
      GenAiIncubatingAttributes.GEN_AI_RESPONSE_MODEL;
  static final AttributeKey<Double> TEMPERATURE =
      GenAiIncubatingAttributes.GEN_AI_REQUEST_TEMPERATURE;
  static final AttributeKey<Long> MAX_TOKENS = GenAiIncubatingAttributes.GEN_AI_REQUEST_MAX_TOKENS;
  static final AttributeKey<Long> INPUT_TOKENS =
      GenAiIncubatingAttributes.GEN_AI_USAGE_INPUT_TOKENS;
  static final AttributeKey<Long> OUTPUT_TOKENS =
      GenAiIncubatingAttributes.GEN_AI_USAGE_OUTPUT_TOKENS;
  static final AttributeKey<java.util.List<String>> FINISH_REASONS =
      GenAiIncubatingAttributes.GEN_AI_RESPONSE_FINISH_REASONS;
  static final AttributeKey<String> TOOL_NAME = GenAiIncubatingAttributes.GEN_AI_TOOL_NAME;
  static final AttributeKey<String> TOOL_CALL_ID = GenAiIncubatingAttributes.GEN_AI_TOOL_CALL_ID;
  static final AttributeKey<String> AGENT_NAME = GenAiIncubatingAttributes.GEN_AI_AGENT_NAME;
  static final AttributeKey<String> CONVERSATION_ID =
      GenAiIncubatingAttributes.GEN_AI_CONVERSATION_ID;
  static final AttributeKey<String> ERROR_TYPE =
      io.opentelemetry.semconv.ErrorAttributes.ERROR_TYPE;

  /**
   * 1.37 defines {@code gen_ai.output.messages} (opt-in content) with a structured type the
   * generated constants leave out; recorded here as the JSON text of the stored output.
   */
  static final AttributeKey<String> OUTPUT_MESSAGES = stringKey("gen_ai.output.messages");

  /**
   * 1.37 defines {@code gen_ai.input.messages} (opt-in content) with a structured type the
   * generated constants leave out: the run's rendered prompt as one user message on the root span,
   * and a model call's {@code params.messages} as stored on its {@code chat} span, each as JSON
   * text.
   */
  static final AttributeKey<String> INPUT_MESSAGES = stringKey("gen_ai.input.messages");

  static final String CHAT = GenAiIncubatingAttributes.GenAiOperationNameIncubatingValues.CHAT;
  static final String EXECUTE_TOOL =
      GenAiIncubatingAttributes.GenAiOperationNameIncubatingValues.EXECUTE_TOOL;
  static final String INVOKE_AGENT =
      GenAiIncubatingAttributes.GenAiOperationNameIncubatingValues.INVOKE_AGENT;

  /** Not a 1.37 value: the operation of a run's root span. */
  static final String INVOKE_WORKFLOW = "invoke_workflow";

  /** Not a 1.37 value: the operation of a guardrail check. */
  static final String APPLY_GUARDRAIL = "apply_guardrail";

  static final AttributeKey<String> RUN_ID = stringKey("runs.run.id");
  static final AttributeKey<String> NAMESPACE = stringKey("runs.namespace");
  static final AttributeKey<String> WORKFLOW = stringKey("runs.workflow");
  static final AttributeKey<String> WORKFLOW_VERSION = stringKey("runs.workflow.version");
  static final AttributeKey<String> CONFIG_SHA256 = stringKey("runs.config.sha256");
  static final AttributeKey<String> TRIGGER_SOURCE = stringKey("runs.trigger.source");
  static final AttributeKey<String> TRIGGER_ID = stringKey("runs.trigger.id");
  static final AttributeKey<String> STATUS = stringKey("runs.status");
  static final AttributeKey<Long> SEQUENCE_FIRST = longKey("runs.sequence.first");
  static final AttributeKey<Long> SEQUENCE_LAST = longKey("runs.sequence.last");
  static final AttributeKey<String> STEP_ID = stringKey("runs.step.id");
  static final AttributeKey<Long> ATTEMPT = longKey("runs.step.attempt");
  static final AttributeKey<Double> COST = doubleKey("runs.cost");
  static final AttributeKey<String> TOOL_VERSION = stringKey("runs.tool.version");
  static final AttributeKey<String> TOOL_ARGUMENTS = stringKey("runs.tool.arguments");
  static final AttributeKey<String> TOOL_RESULT = stringKey("runs.tool.result");
  static final AttributeKey<String> HANDOFF_FROM = stringKey("runs.handoff.from");
  static final AttributeKey<String> HANDOFF_REASON = stringKey("runs.handoff.reason");
  static final AttributeKey<String> GUARDRAIL_NAME = stringKey("runs.guardrail.name");
  static final AttributeKey<String> GUARDRAIL_STAGE = stringKey("runs.guardrail.stage");
  static final AttributeKey<String> GUARDRAIL_VERDICT = stringKey("runs.guardrail.verdict");
  static final AttributeKey<String> EVENT_ID = stringKey("runs.event.id");
  static final AttributeKey<Long> SEQUENCE = longKey("runs.sequence");
  static final AttributeKey<String> CHECKPOINT_ID = stringKey("runs.checkpoint.id");
  static final AttributeKey<String> CONSOLE_STREAM = stringKey("runs.console.stream");
  static final AttributeKey<String> CONSOLE_TEXT = stringKey("runs.console.text");
  static final AttributeKey<String> ERROR_MESSAGE = stringKey("runs.error.message");
  static final AttributeKey<String> PAYLOAD = stringKey("runs.payload");

  private Keys() {}
}
