import { hashBlock } from './block-hash.ts';
import { outputWord } from './vocabulary.ts';

export type FinishReason = 'stop' | 'length' | 'abort';
export type SequenceState = 'pending' | 'waiting' | 'running' | 'finished';

/** What the HTTP layer (or a test) hears about one sequence. Called at most once per engine step. */
export interface SequenceListener {
  /**
   * The sequence produced a token in this step (`seq.visibleOutputTokens` grew by one, or stayed
   * if the token was a stop string) and/or finished. `nowMs` is the clock time of the step's end.
   */
  onProgress(seq: Sequence, finished: boolean, nowMs: number): void;
}

export interface SequenceInit {
  id: number;
  promptTokens: readonly string[];
  /** Upper limit from the request (max_tokens); reaching it finishes with "length". */
  maxTokens: number;
  /** Tokens this sequence will generate unless a stop string ends it sooner (≤ maxTokens). */
  targetOutputTokens: number;
  /** Generated words that end the sequence with finish_reason "stop" (the word is not shown). */
  stop?: ReadonlySet<string> | null;
  /** LoRA adapter name, or null for the base model. */
  lora?: string | null;
  /** Seed of this sequence's output words. */
  wordSeed: number;
  listener?: SequenceListener | null;
}

/**
 * One request inside the engine. Token positions 0…promptLength−1 are the prompt, after that the
 * generated words. "Computed" tokens have their KV in the cache; a sequence emits a token at the
 * end of every step in which all its tokens become computed.
 */
export class Sequence {
  readonly id: number;
  readonly promptTokens: readonly string[];
  readonly promptLength: number;
  readonly maxTokens: number;
  readonly targetOutputTokens: number;
  readonly stop: ReadonlySet<string> | null;
  readonly lora: string | null;
  readonly wordSeed: number;
  listener: SequenceListener | null;

  state: SequenceState = 'pending';
  numComputedTokens = 0;
  numOutputTokens = 0;
  /** Prompt tokens served from the prefix cache at first scheduling; −1 until then. */
  numCachedTokens = -1;
  /** KV blocks held, in token order. */
  blocks: number[] = [];
  /** Leading blocks of `blocks` whose hash is registered in the pool. */
  numRegisteredBlocks = 0;
  /** Chained hashes of full blocks, filled lazily by {@link blockHash}. */
  private readonly hashes: number[] = [];
  /** Tokens scheduled in the current step (engine scratch). */
  scheduledTokens = 0;
  numPreemptions = 0;
  finishReason: FinishReason | null = null;
  /** True when the last generated word matched a stop string (and is therefore not shown). */
  stoppedOnStopString = false;

  /** Clock times in ms; −1 = not yet. */
  arrivalMs = -1;
  queuedMs = -1;
  firstScheduledMs = -1;
  firstTokenMs = -1;
  lastTokenMs = -1;
  finishedMs = -1;

  constructor(init: SequenceInit) {
    this.id = init.id;
    this.promptTokens = init.promptTokens;
    this.promptLength = init.promptTokens.length;
    this.maxTokens = init.maxTokens;
    this.targetOutputTokens = Math.min(init.targetOutputTokens, init.maxTokens);
    this.stop = init.stop ?? null;
    this.lora = init.lora ?? null;
    this.wordSeed = init.wordSeed;
    this.listener = init.listener ?? null;
  }

  /** Prompt plus generated tokens. */
  get numTokens(): number {
    return this.promptLength + this.numOutputTokens;
  }

  /** Generated tokens the client sees (a matched stop string is hidden, as vLLM does). */
  get visibleOutputTokens(): number {
    return this.stoppedOnStopString ? this.numOutputTokens - 1 : this.numOutputTokens;
  }

  /** The token at position `index` (prompt word or generated word). */
  readonly tokenAt = (index: number): string =>
    index < this.promptLength ? (this.promptTokens[index] as string) : outputWord(this.wordSeed, index - this.promptLength);

  /** The `index`-th generated word. */
  outputWord(index: number): string {
    return outputWord(this.wordSeed, index);
  }

  /** Chained hash of full block `index` (tokens index·B … index·B+B−1), seeded by `root`. */
  blockHash(index: number, root: number, blockSize: number): number {
    while (this.hashes.length <= index) {
      const b = this.hashes.length;
      const parent = b === 0 ? root : (this.hashes[b - 1] as number);
      this.hashes.push(hashBlock(parent, this.tokenAt, b * blockSize, blockSize));
    }
    return this.hashes[index] as number;
  }
}
