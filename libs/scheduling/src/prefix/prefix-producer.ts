import { canonicalChatText } from './canonical-chat.ts';
import type { ChatMessageLike } from './canonical-chat.ts';
import type { BlockHash, PrefixHasher } from './prefix-hasher.ts';
import { blocksToEvictAfterFeedback } from './prefix-index.ts';
import type { PrefixIndex } from './prefix-index.ts';

/** Prefix-index result for one request, as the scheduling plugins read it (RequestExtras.prefixMatch). */
export interface PrefixMatchInfo {
  /** Blocks the request's prompt was cut into (after the maxPrefix* caps). */
  readonly totalBlocks: number;
  /** Tokens per block (estimate). */
  readonly blockSizeTokens: number;
  /** endpoint name → leading blocks it holds (missing = 0). */
  readonly matchedBlocks: ReadonlyMap<string, number>;
}

/** A request's block hashes and the length (characters) of the text they were cut from. */
export interface PromptHashes {
  readonly hashes: BlockHash[];
  readonly promptChars: number;
}

/** The parts of an OpenAI completions / chat-completions body that decide the prompt prefix. */
export interface PromptBodyLike {
  readonly prompt?: unknown;
  readonly messages?: readonly ChatMessageLike[];
  readonly tools?: unknown;
  /** vLLM's per-request cache salt; part of the hash seed when present. */
  readonly cache_salt?: unknown;
}

/**
 * The prefix "producer" the router runs per request (upstream approx-prefix-cache-producer):
 * hash the prompt (chat: canonicalChatText; completions: the prompt text), look the hashes up for
 * the candidates before scheduling, record them for the picked endpoint after, and correct the
 * index from the engine's cached_tokens. The index may be memory or Redis (`prefixIndex: local | global`).
 */
export class PrefixProducer {
  readonly hasher: PrefixHasher;
  readonly index: PrefixIndex;

  constructor(options: { hasher: PrefixHasher; index: PrefixIndex }) {
    this.hasher = options.hasher;
    this.index = options.index;
  }

  /** Block hashes of a request body for `targetModel` (the model the endpoints serve), and the hashed text's length. */
  hashRequest(targetModel: string, body: PromptBodyLike): PromptHashes {
    const salt = typeof body.cache_salt === 'string' ? body.cache_salt : undefined;
    const text = Array.isArray(body.messages) ? canonicalChatText(body.messages, body.tools) : promptText(body.prompt);
    return { hashes: this.hasher.hashText(targetModel, text, salt), promptChars: text.length };
  }

  /** Looks `hashes` up for `candidates`; the result goes into RequestExtras.prefixMatch. */
  async match(hashes: readonly BlockHash[], candidates: readonly string[]): Promise<{ info: PrefixMatchInfo; inFlight?: ReadonlyMap<string, { requests: number; tokens: number }> }> {
    const lookup = await this.index.lookup(hashes, candidates);
    const info: PrefixMatchInfo = { totalBlocks: hashes.length, blockSizeTokens: this.hasher.options.blockSizeTokens, matchedBlocks: lookup.matchedBlocks };
    return lookup.inFlight === undefined ? { info } : { info, inFlight: lookup.inFlight };
  }

  /** After the pick: the endpoint now (will) hold every block of the prompt. */
  recordPick(hashes: readonly BlockHash[], endpoint: string): Promise<void> {
    return this.index.record(hashes, endpoint);
  }

  /**
   * The engine reported usage for a request whose lookup predicted `predictedBlocks` on `endpoint`:
   * forget the blocks it did not hold (see blocksToEvictAfterFeedback). `usage.promptTokens` and
   * `prompt.promptChars` calibrate engine tokens per block for this request. Returns the number
   * of blocks evicted.
   */
  async feedback(endpoint: string, prompt: PromptHashes, predictedBlocks: number, usage: { readonly cachedTokens: number; readonly promptTokens: number }): Promise<number> {
    const tokensPerBlock = prompt.promptChars > 0 && usage.promptTokens > 0 ? (usage.promptTokens * this.hasher.options.blockChars) / prompt.promptChars : this.hasher.options.blockSizeTokens;
    const evict = blocksToEvictAfterFeedback(prompt.hashes, predictedBlocks, usage.cachedTokens, tokensPerBlock);
    if (evict.length > 0) await this.index.evict(endpoint, evict);
    return evict.length;
  }
}

/** Completions `prompt`: a string; an array of strings (joined with U+001E); token ids (joined with spaces). */
export function promptText(prompt: unknown): string {
  if (typeof prompt === 'string') return prompt;
  if (!Array.isArray(prompt)) return '';
  if (prompt.every((p) => typeof p === 'number')) return prompt.join(' ');
  return prompt.map((p) => (typeof p === 'string' ? p : Array.isArray(p) ? p.join(' ') : '')).join('\u001e');
}
