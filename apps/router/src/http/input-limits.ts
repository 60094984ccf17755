import type { RouterDeps } from '../deps.ts';
import { HttpError } from './openai-error.ts';

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Whether the `{`/`[` nesting of a JSON text exceeds `limit`, counted on the raw bytes (brackets inside strings do not
 * count). True as soon as the depth exceeds `limit`, so a hostile body costs
 * at most one linear scan and never reaches JSON.parse's recursion.
 */
export function jsonDepthExceeds(raw: Buffer, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i]!;
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
      continue;
    }
    if (byte === QUOTE) inString = true;
    else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) depth--;
  }
  return false;
}

/** 400 for a body nested deeper than `server.maxJsonDepth` (checked before parsing). */
export function checkInputLimits(deps: RouterDeps, raw: Buffer): void {
  const limit = deps.config.server.maxJsonDepth;
  if (jsonDepthExceeds(raw, limit)) {
    deps.metrics.inputRejected.inc({ reason: 'json_depth' });
    throw new HttpError(400, `The JSON body is nested deeper than ${limit} levels.`, { code: 'json_too_deep' });
  }
}

/** 400 context_length_exceeded when the estimated prompt exceeds `server.maxPromptTokens`. */
export function checkPromptSize(deps: RouterDeps, promptTokens: number): void {
  const limit = deps.config.server.maxPromptTokens;
  if (limit !== null && promptTokens > limit) {
    deps.metrics.inputRejected.inc({ reason: 'prompt_too_large' });
    throw new HttpError(400, `The prompt is about ${promptTokens} tokens; this router accepts at most ${limit}.`, { param: 'messages', code: 'context_length_exceeded' });
  }
}
