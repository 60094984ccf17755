/**
 * Span names and attribute keys of the router's traces. HTTP and GenAI keys follow the OpenTelemetry
 * semantic conventions (GenAI ones are still "development" there, so they are spelled out here
 * instead of importing the incubating entry point); `sluice.*` keys are ours.
 */
export const SpanName = {
  flowControl: 'flow_control.admit',
  scheduling: 'scheduling.pick',
} as const;

export const Attr = {
  // HTTP server / client (stable semconv)
  httpMethod: 'http.request.method',
  httpRoute: 'http.route',
  httpStatus: 'http.response.status_code',
  urlPath: 'url.path',
  urlScheme: 'url.scheme',
  urlFull: 'url.full',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  clientAddress: 'client.address',
  userAgent: 'user_agent.original',
  errorType: 'error.type',
  // GenAI
  genAiOperation: 'gen_ai.operation.name',
  genAiSystem: 'gen_ai.system',
  genAiProvider: 'gen_ai.provider.name',
  genAiRequestModel: 'gen_ai.request.model',
  genAiResponseModel: 'gen_ai.response.model',
  genAiMaxTokens: 'gen_ai.request.max_tokens',
  genAiInputTokens: 'gen_ai.usage.input_tokens',
  genAiOutputTokens: 'gen_ai.usage.output_tokens',
  // Sluice
  requestId: 'sluice.request_id',
  replica: 'sluice.replica',
  targetModel: 'sluice.target_model',
  objective: 'sluice.objective',
  fairnessId: 'sluice.fairness_id',
  priority: 'sluice.priority',
  stream: 'sluice.stream',
  promptTokensEstimate: 'sluice.prompt_tokens_estimate',
  cachedInputTokens: 'sluice.usage.cached_input_tokens',
  ttftMs: 'sluice.ttft_ms',
  endpoint: 'sluice.endpoint',
  attempt: 'sluice.attempt',
  outcome: 'sluice.outcome',
  flowOutcome: 'sluice.flow_control.outcome',
  queueWaitMs: 'sluice.flow_control.queue_wait_ms',
  fastPath: 'sluice.flow_control.fast_path',
  candidates: 'sluice.scheduling.candidates',
  eligible: 'sluice.scheduling.eligible',
  profile: 'sluice.scheduling.profile',
  scoreTotal: 'sluice.scheduling.score',
  /** Prefix: one attribute per scorer, `sluice.scheduling.score.<scorer name>` (clamped score in [0, 1]). */
  scorePrefix: 'sluice.scheduling.score.',
  promptBlocks: 'sluice.prefix.prompt_blocks',
  matchedBlocks: 'sluice.prefix.matched_blocks',
  /** Tokens reserved against the tenant's tokens-per-minute limit (prompt estimate + max_tokens). */
  rateReservedTokens: 'sluice.rate_limit.reserved_tokens',
  /** max_tokens the router set upstream because the request named none under a token limit. */
  rateMaxTokensCap: 'sluice.rate_limit.max_tokens_cap',
} as const;

/**
 * `gen_ai.provider.name` / `gen_ai.system` of the upstream: the pool speaks the vLLM flavour of the
 * OpenAI API (vLLM, SGLang and the simulator all do).
 */
export const GEN_AI_PROVIDER = 'vllm';
