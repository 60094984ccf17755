import xxhash from 'xxhash-wasm';
import type { XXHashAPI } from 'xxhash-wasm';
import { canonicalChatText } from './canonical-chat.ts';
import type { ChatMessageLike } from './canonical-chat.ts';

/** A block hash: xxhash64 as 16 lowercase hex characters (zero-padded). */
export type BlockHash = string;

/** Characters per estimated token (the approximate-prefix heuristic). */
export const CHARS_PER_TOKEN = 4;
/** Smallest block size in tokens; smaller configured values are raised to this (bounds index memory). */
export const MIN_BLOCK_SIZE_TOKENS = 64;

/**
 * Prefix hashing parameters, named as upstream's `approx-prefix-cache-producer`.
 * Block limit: `maxPrefixTokensToMatch` wins when > 0 (floor(tokens / blockSizeTokens) blocks);
 * else `maxPrefixBlocksToMatch` when > 0; both 0 means the whole prompt.
 */
export interface PrefixHashOptions {
  /** Block size in estimated tokens; default 64, floored to 64. One block = 4 × this many characters. */
  readonly blockSizeTokens?: number;
  /** Default 2048 blocks. */
  readonly maxPrefixBlocksToMatch?: number;
  /** Default 131072 tokens. */
  readonly maxPrefixTokensToMatch?: number;
  /**
   * Hash the trailing partial block too. Default false: engines cache only full blocks, so a
   * partial block would be recorded as cached when it is not.
   */
  readonly includePartialBlock?: boolean;
}

/** Resolved options (all fields set). */
export interface ResolvedPrefixHashOptions {
  readonly blockSizeTokens: number;
  readonly blockChars: number;
  /** Maximum number of blocks hashed per prompt (Infinity = whole prompt). */
  readonly maxBlocks: number;
  readonly includePartialBlock: boolean;
}

export function resolvePrefixHashOptions(options: PrefixHashOptions = {}): ResolvedPrefixHashOptions {
  const configured = options.blockSizeTokens ?? MIN_BLOCK_SIZE_TOKENS;
  const maxBlocksOpt = options.maxPrefixBlocksToMatch ?? 2048;
  const maxTokensOpt = options.maxPrefixTokensToMatch ?? 131072;
  for (const [name, v] of [['blockSizeTokens', configured], ['maxPrefixBlocksToMatch', maxBlocksOpt], ['maxPrefixTokensToMatch', maxTokensOpt]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${name} must be an integer >= 0, got ${v}`);
  }
  const blockSizeTokens = Math.max(MIN_BLOCK_SIZE_TOKENS, configured);
  let maxBlocks = Infinity;
  if (maxTokensOpt > 0) maxBlocks = Math.max(1, Math.floor(maxTokensOpt / blockSizeTokens));
  else if (maxBlocksOpt > 0) maxBlocks = maxBlocksOpt;
  return { blockSizeTokens, blockChars: blockSizeTokens * CHARS_PER_TOKEN, maxBlocks, includePartialBlock: options.includePartialBlock ?? false };
}

/**
 * Cuts prompts into blocks of `blockChars` characters (UTF-16 code units) and hashes them as a chain:
 *
 *   seed     = xxhash64(utf8(model [+ "\0" + cacheSalt]), seed 0)
 *   hash_1   = xxhash64(utf8(block_1), seed = seed)
 *   hash_i   = xxhash64(utf8(block_i), seed = hash_{i-1})
 *
 * So hash_i identifies the whole prefix block_1..block_i of that model: equal prefixes give equal
 * leading hashes, and a change in block k changes hash_k and every later hash, never earlier ones.
 * Pure and synchronous once created (creation instantiates the wasm module).
 */
export class PrefixHasher {
  readonly options: ResolvedPrefixHashOptions;
  readonly #xx: XXHashAPI;

  private constructor(xx: XXHashAPI, options: ResolvedPrefixHashOptions) {
    this.#xx = xx;
    this.options = options;
  }

  static async create(options: PrefixHashOptions = {}): Promise<PrefixHasher> {
    return new PrefixHasher(await xxhash(), resolvePrefixHashOptions(options));
  }

  /** Block hashes of a completion prompt (or any text), at most `maxBlocks`. */
  hashText(model: string, text: string, cacheSalt?: string): BlockHash[] {
    const { blockChars, maxBlocks, includePartialBlock } = this.options;
    const full = Math.floor(text.length / blockChars);
    const partial = includePartialBlock && text.length % blockChars > 0 ? 1 : 0;
    const count = Math.min(maxBlocks, full + partial);
    const out: BlockHash[] = new Array<BlockHash>(count);
    let seed = this.#xx.h64(cacheSalt === undefined || cacheSalt === '' ? model : `${model}\u0000${cacheSalt}`, 0n);
    for (let i = 0; i < count; i++) {
      seed = this.#xx.h64(text.slice(i * blockChars, (i + 1) * blockChars), seed);
      out[i] = seed.toString(16).padStart(16, '0');
    }
    return out;
  }

  /** Block hashes of a chat request over its canonical text (see canonicalChatText). */
  hashChat(model: string, messages: readonly ChatMessageLike[], tools?: unknown, cacheSalt?: string): BlockHash[] {
    return this.hashText(model, canonicalChatText(messages, tools), cacheSalt);
  }

  /** Estimated tokens of `text` (ceil(characters / 4)). */
  static estimateTokens(text: string): number {
    return Math.ceil(text.length / CHARS_PER_TOKEN);
  }
}
