import { countChatTokens, countTokens } from '@sluice/tokenizer';
import type { ChatMessage } from '@sluice/tokenizer';
import { HttpError } from '../http/openai-error.ts';

/** The fields of an OpenAI completions / chat body the router needs. */
export interface ParsedBody {
  /** The raw body as received (forwarded unchanged unless the model is rewritten). */
  readonly raw: Buffer;
  readonly json: Record<string, unknown>;
  /** `model` as a string, or undefined when absent. */
  readonly model: string | undefined;
  readonly stream: boolean;
  /** Prompt tokens by the word tokenizer (one per whitespace-separated word; chat framing included). */
  readonly promptTokens: number;
  /** max_tokens / max_completion_tokens, if given. */
  readonly maxTokens: number | undefined;
}

/** Expected output tokens when the request gives no max_tokens. */
export const DEFAULT_EXPECTED_OUTPUT_TOKENS = 256;

/** Parses the raw body. Malformed JSON or a non-object → 400; a non-string model → 400. */
export function parseOpenAiBody(raw: Buffer, kind: 'chat' | 'completions'): ParsedBody {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw new HttpError(400, `We could not parse the JSON body of your request. (${(error as Error).message})`, { code: 'invalid_json' });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new HttpError(400, 'The request body must be a JSON object.', { code: 'invalid_json' });
  }
  const body = json as Record<string, unknown>;
  const model = body['model'];
  if (model !== undefined && model !== null && typeof model !== 'string') throw new HttpError(400, 'model must be a string', { param: 'model' });
  const maxRaw = body['max_completion_tokens'] ?? body['max_tokens'];
  return {
    raw,
    json: body,
    model: typeof model === 'string' && model !== '' ? model : undefined,
    stream: body['stream'] === true,
    promptTokens: kind === 'chat' ? chatTokens(body['messages']) : promptTokens(body['prompt']),
    maxTokens: typeof maxRaw === 'number' && maxRaw > 0 ? maxRaw : undefined,
  };
}

function chatTokens(messages: unknown): number {
  if (!Array.isArray(messages)) return 0;
  try {
    return countChatTokens(messages as ChatMessage[]);
  } catch {
    return 0;
  }
}

function promptTokens(prompt: unknown): number {
  if (typeof prompt === 'string') return countTokens(prompt);
  if (Array.isArray(prompt)) {
    let n = 0;
    for (const p of prompt) n += typeof p === 'string' ? countTokens(p) : typeof p === 'number' ? 1 : 0;
    return n;
  }
  return 0;
}

const MODEL_KEY = /"model"\s*:\s*/g;

/**
 * The body with `model` replaced by `target`. When the raw text has exactly one `"model":` key whose
 * value is the original model string, only those bytes are spliced (the rest is forwarded as it
 * came); otherwise the object is re-serialised. With `maxTokensCap` (tokens; only for a request that
 * names no max_tokens) the object is re-serialised with `max_tokens` set to it.
 */
export function rewriteModel(body: ParsedBody, target: string, maxTokensCap?: number): Buffer {
  // A request without max_tokens under a token limit gets the reserved output as its bound.
  if (maxTokensCap !== undefined) return Buffer.from(JSON.stringify({ ...body.json, model: target, max_tokens: maxTokensCap }), 'utf8');
  if (body.model === target) return body.raw;
  const text = body.raw.toString('latin1');
  const matches = [...text.matchAll(MODEL_KEY)];
  if (matches.length === 1 && body.model !== undefined) {
    const start = matches[0]!.index + matches[0]![0].length;
    const original = Buffer.from(JSON.stringify(body.model), 'utf8').toString('latin1');
    if (text.startsWith(original, start)) {
      return Buffer.concat([body.raw.subarray(0, start), Buffer.from(JSON.stringify(target), 'utf8'), body.raw.subarray(start + original.length)]);
    }
  }
  return Buffer.from(JSON.stringify({ ...body.json, model: target }), 'utf8');
}
