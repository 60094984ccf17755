import { countChatTokens, countTokens } from '@sluice/tokenizer';
import type { RequestSpec } from '../workloads/types.ts';
import { joinText } from '../workloads/words.ts';

export type ApiType = 'completion' | 'chat';

export interface ApiOptions {
  type: ApiType;
  model: string;
  streaming: boolean;
}

/** An OpenAI request ready to send: path, JSON body, headers, and its prompt length by the word rule. */
export interface BuiltRequest {
  path: string;
  body: Record<string, unknown>;
  headers: Record<string, string>;
  promptTokens: number;
  /** The prompt text as sent (completion API) or the user turn (chat); multi-turn context grows from it. */
  promptText: string;
}

/**
 * Builds the body. `contextPrefix`, for later rounds of a multi-turn session, replaces the
 * spec's system part (it already holds the system prompt, earlier questions and replies).
 * Always `max_tokens` + `ignore_eos: true`; streaming requests ask for usage in the last chunk.
 */
export function buildRequest(spec: RequestSpec, api: ApiOptions, contextPrefix: string | null): BuiltRequest {
  const system = contextPrefix ?? spec.system;
  const body: Record<string, unknown> = { model: api.model, max_tokens: spec.maxTokens, ignore_eos: true, stream: api.streaming };
  if (api.streaming) body.stream_options = { include_usage: true };
  let promptTokens: number;
  let promptText: string;
  let path: string;
  if (api.type === 'completion') {
    promptText = joinText(system, spec.user);
    body.prompt = promptText;
    promptTokens = countTokens(promptText);
    path = '/v1/completions';
  } else {
    const messages = system.length > 0 ? [{ role: 'system', content: system }, { role: 'user', content: spec.user }] : [{ role: 'user', content: spec.user }];
    body.messages = messages;
    promptTokens = countChatTokens(messages);
    promptText = joinText(system, spec.user);
    path = '/v1/chat/completions';
  }
  return { path, body, headers: requestHeaders(spec), promptTokens, promptText };
}

/** Control headers: tenant → fairness id, objective, and per-request SLOs (milliseconds). */
export function requestHeaders(spec: RequestSpec): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (spec.tenant !== null) headers['x-gateway-inference-fairness-id'] = spec.tenant;
  if (spec.objective !== null) headers['x-gateway-inference-objective'] = spec.objective;
  if (spec.sloTtftMs !== null) headers['x-slo-ttft-ms'] = String(spec.sloTtftMs);
  if (spec.sloTpotMs !== null) headers['x-slo-tpot-ms'] = String(spec.sloTpotMs);
  return headers;
}
