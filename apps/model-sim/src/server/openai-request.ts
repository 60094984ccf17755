import { renderChat, tokenize, type ChatMessage } from '@sluice/tokenizer';
import { HttpError } from './errors.ts';

export type Endpoint = 'completions' | 'chat';

/** A validated generation request. */
export interface GenerationRequest {
  endpoint: Endpoint;
  /** The model name the client sent (base model or adapter). */
  model: string;
  /** LoRA adapter, or null for the base model. */
  lora: string | null;
  promptTokens: string[];
  maxTokens: number;
  explicitMaxTokens: boolean;
  ignoreEos: boolean;
  stop: Set<string> | null;
  stream: boolean;
  includeUsage: boolean;
}

/** What the request parser needs to know about the server. */
export interface ModelCatalog {
  baseModel: string;
  adapters: ReadonlySet<string>;
  maxModelLen: number;
}

/** Resolves `model` to the base model or an adapter; unknown → 404 as vLLM answers. */
export function resolveModel(body: Record<string, unknown>, catalog: ModelCatalog): { model: string; lora: string | null } {
  const model = body.model;
  if (model === undefined || model === null) return { model: catalog.baseModel, lora: null };
  if (typeof model !== 'string') throw new HttpError(400, 'model must be a string', 'model');
  if (model === catalog.baseModel) return { model, lora: null };
  if (catalog.adapters.has(model)) return { model, lora: model };
  throw new HttpError(404, `The model \`${model}\` does not exist.`, 'model');
}

/** Prompt tokens of a completions `prompt` (a string, or an array holding one string). */
export function promptTokensOf(prompt: unknown): string[] {
  if (typeof prompt === 'string') return tokenize(prompt);
  if (Array.isArray(prompt) && prompt.length === 1 && typeof prompt[0] === 'string') return tokenize(prompt[0]);
  if (Array.isArray(prompt) && prompt.length > 1) throw new HttpError(400, 'Batched prompts (more than one prompt) are not supported by this simulator', 'prompt');
  if (Array.isArray(prompt) && prompt.length > 0 && prompt.every((t) => Number.isInteger(t))) return prompt.map((t) => `<id:${String(t)}>`);
  throw new HttpError(400, 'prompt must be a string or an array with one string', 'prompt');
}

/** Chat tokens under the shared template; validates the messages array. */
export function chatTokensOf(messages: unknown): string[] {
  if (!Array.isArray(messages) || messages.length === 0) throw new HttpError(400, 'messages must be a non-empty array', 'messages');
  for (const message of messages) {
    if (message === null || typeof message !== 'object' || typeof (message as { role?: unknown }).role !== 'string') {
      throw new HttpError(400, 'every message needs a string role', 'messages');
    }
    const content = (message as { content?: unknown }).content;
    if (content !== undefined && content !== null && typeof content !== 'string' && !Array.isArray(content)) {
      throw new HttpError(400, 'message content must be a string or an array of parts', 'messages');
    }
  }
  return renderChat(messages as ChatMessage[]);
}

function optionalPositiveInt(body: Record<string, unknown>, key: string): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new HttpError(400, `${key} must be an integer >= 1`, key);
  return value;
}

function optionalBoolean(body: Record<string, unknown>, key: string): boolean {
  const value = body[key];
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw new HttpError(400, `${key} must be a boolean`, key);
  return value;
}

function stopSet(value: unknown): Set<string> | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value.length === 0 ? null : new Set([value]);
  if (Array.isArray(value) && value.every((s) => typeof s === 'string')) return value.length === 0 ? null : new Set(value as string[]);
  throw new HttpError(400, 'stop must be a string or an array of strings', 'stop');
}

/** Validates a /v1/completions or /v1/chat/completions body (vLLM's checks and messages). */
export function parseGenerationRequest(endpoint: Endpoint, body: Record<string, unknown>, catalog: ModelCatalog): GenerationRequest {
  const { model, lora } = resolveModel(body, catalog);
  const n = body.n;
  if (n !== undefined && n !== null && n !== 1) throw new HttpError(400, 'Only n=1 is supported by this simulator', 'n');
  const promptTokens = endpoint === 'chat' ? chatTokensOf(body.messages) : promptTokensOf(body.prompt);
  if (promptTokens.length === 0) throw new HttpError(400, 'The prompt is empty; at least one token is required', endpoint === 'chat' ? 'messages' : 'prompt');
  const requested = endpoint === 'chat' ? (optionalPositiveInt(body, 'max_completion_tokens') ?? optionalPositiveInt(body, 'max_tokens')) : optionalPositiveInt(body, 'max_tokens');
  const where = endpoint === 'chat' ? 'messages' : 'prompt';
  if (promptTokens.length >= catalog.maxModelLen || (requested !== undefined && promptTokens.length + requested > catalog.maxModelLen)) {
    const total = promptTokens.length + (requested ?? 0);
    throw new HttpError(
      400,
      `This model's maximum context length is ${catalog.maxModelLen} tokens. However, you requested ${total} tokens (${promptTokens.length} in the ${where}, ${requested ?? 0} in the completion). Please reduce the length of the ${where} or completion.`,
      where,
    );
  }
  const streamOptions = body.stream_options;
  const stream = optionalBoolean(body, 'stream');
  let includeUsage = false;
  if (streamOptions !== undefined && streamOptions !== null) {
    if (!stream) throw new HttpError(400, 'Stream options can only be defined when `stream=True`.', 'stream_options');
    if (typeof streamOptions !== 'object' || Array.isArray(streamOptions)) throw new HttpError(400, 'stream_options must be an object', 'stream_options');
    includeUsage = optionalBoolean(streamOptions as Record<string, unknown>, 'include_usage');
  }
  return {
    endpoint,
    model,
    lora,
    promptTokens,
    maxTokens: requested ?? catalog.maxModelLen - promptTokens.length,
    explicitMaxTokens: requested !== undefined,
    ignoreEos: optionalBoolean(body, 'ignore_eos'),
    stop: stopSet(body.stop),
    stream,
    includeUsage,
  };
}
