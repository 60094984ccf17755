import { rootBlockHash } from './block-hash.ts';
import { stepCostMs, type EngineConfig } from './engine-config.ts';
import { KvBlockPool } from './kv-cache.ts';
import { LoraSlots } from './lora-slots.ts';
import type { SeededRandom } from './rng.ts';
import type { FinishReason, Sequence } from './sequence.ts';

/** Running totals, read by the metrics exporter at scrape time (no hot-path metric calls). */
export interface EngineStats {
  promptTokens: number;
  generationTokens: number;
  prefixQueries: number;
  prefixHits: number;
  preemptions: number;
  steps: number;
  finished: Record<FinishReason, number>;
}

/** Latency observations, one call per event (ms on the injected clock). */
export interface EngineObserver {
  onScheduled?(seq: Sequence, queueMs: number): void;
  onFirstToken?(seq: Sequence, ttftMs: number): void;
  onInterToken?(seq: Sequence, itlMs: number): void;
  onFinished?(seq: Sequence): void;
}

/** What one planned step contains (for tests and diagnostics). */
export interface StepPlan {
  /** Wall (clock) ms the step takes: model cost × jitter × timeScale. */
  durationMs: number;
  prefillTokens: number;
  decodeSeqs: number;
  numSeqs: number;
  contextTokens: number;
  loadedAdapters: number;
}

/**
 * The pure vLLM-V1-like engine core: continuous batching with chunked prefill, prefix caching and
 * recompute preemption. It owns no timers: a driver calls {@link planStep} at a step's start and
 * {@link completeStep} at its end (see EngineLoop), passing clock times in ms.
 *
 * Scheduling order per step (reference §2.2): running sequences first in admission order
 * (decode = 1 token, a partial prefill continues), preempting the most recently admitted running
 * sequence when a block is missing; then, if nothing was preempted, waiting sequences FCFS while
 * token budget, sequence slots, LoRA slots and KV blocks allow.
 */
export class Engine {
  readonly kv: KvBlockPool;
  readonly stats: EngineStats = {
    promptTokens: 0,
    generationTokens: 0,
    prefixQueries: 0,
    prefixHits: 0,
    preemptions: 0,
    steps: 0,
    finished: { stop: 0, length: 0, abort: 0 },
  };
  /** Waiting sequences, FCFS; preempted ones are put back at the front. */
  readonly waiting: Sequence[] = [];
  /** Running sequences in admission order. */
  running: Sequence[] = [];
  readonly lora: LoraSlots;
  private readonly rootHash: number;
  private readonly scheduled: Sequence[] = [];
  private readonly hitScratch: number[] = [];
  /** Fixed-latency sequences: not scheduled by steps; their driver emits tokens. */
  private readonly direct = new Set<Sequence>();
  private stepInFlight = false;
  /** Clock time (ms) of the step being planned. */
  private planClockMs = 0;
  private lastPlan: StepPlan | null = null;

  constructor(
    readonly config: EngineConfig,
    private readonly rng: SeededRandom,
    private readonly observer: EngineObserver = {},
  ) {
    this.kv = new KvBlockPool(Math.floor(config.kvCacheTokens / config.blockSize), config.blockSize);
    this.rootHash = rootBlockHash(config.model);
    this.lora = new LoraSlots();
  }

  /** Running sequences, including fixed-latency ones driven by {@link emitDirect}. */
  get numRunning(): number {
    return this.running.length + this.direct.size;
  }

  get numWaiting(): number {
    return this.waiting.length;
  }

  /** True when a step would have something to do. */
  hasWork(): boolean {
    return this.running.length > 0 || this.waiting.length > 0;
  }

  /** Puts a sequence at the back of the waiting queue. */
  addRequest(seq: Sequence, nowMs: number): void {
    const maxContext = this.kv.numBlocks * this.kv.blockSize;
    if (seq.promptLength + seq.maxTokens > maxContext) {
      // A sequence that can never fit would preempt itself forever; callers validate against
      // max_model_len, this is the last line of defence.
      throw new Error(`sequence needs ${seq.promptLength + seq.maxTokens} tokens but the KV cache holds ${maxContext}`);
    }
    seq.state = 'waiting';
    seq.queuedMs = nowMs;
    if (seq.arrivalMs < 0) seq.arrivalMs = nowMs;
    this.waiting.push(seq);
  }

  /** Client went away: frees the sequence and its blocks at once (even mid-step). */
  abort(seq: Sequence, nowMs: number): void {
    if (seq.state === 'finished' || seq.state === 'pending') {
      if (seq.state === 'pending') seq.state = 'finished';
      return;
    }
    if (this.direct.delete(seq)) {
      // fixed-latency sequence: holds no blocks
    } else if (seq.state === 'waiting') {
      const index = this.waiting.indexOf(seq);
      if (index >= 0) this.waiting.splice(index, 1);
    } else {
      const index = this.running.indexOf(seq);
      if (index >= 0) this.running.splice(index, 1);
      if (seq.lora !== null) this.lora.release(seq.lora);
    }
    this.finish(seq, 'abort', nowMs);
  }

  /**
   * Builds the next batch at `nowMs`. Returns the plan (with its wall duration), or null when
   * nothing can be scheduled (idle, or everything waiting is blocked). Must be followed by
   * {@link completeStep} before the next call.
   */
  planStep(nowMs: number): StepPlan | null {
    if (this.stepInFlight) throw new Error('planStep called while a step is in flight');
    this.planClockMs = nowMs;
    const cfg = this.config;
    const scheduled = this.scheduled;
    scheduled.length = 0;
    let budget = cfg.maxNumBatchedTokens;
    let prefillTokens = 0;
    let decodeSeqs = 0;
    let contextTokens = 0;
    let preempted = false;

    // 1. Running sequences, in admission order.
    for (let i = 0; i < this.running.length && budget > 0; i++) {
      const seq = this.running[i] as Sequence;
      const want = Math.min(seq.numTokens - seq.numComputedTokens, budget);
      let granted = true;
      while (!this.growBlocks(seq, seq.numComputedTokens + want)) {
        const victim = this.running.pop() as Sequence;
        this.preempt(victim);
        preempted = true;
        if (victim === seq) {
          granted = false;
          break;
        }
      }
      if (!granted) break;
      seq.scheduledTokens = want;
      budget -= want;
      scheduled.push(seq);
      if (seq.numOutputTokens > 0 && want === 1 && seq.numComputedTokens === seq.numTokens - 1) decodeSeqs++;
      else prefillTokens += want;
      contextTokens += seq.numComputedTokens + want;
    }

    // 2. Waiting sequences, FCFS (skipping those whose LoRA cannot run now).
    let loadedAdapters = 0;
    if (!preempted && this.waiting.length > 0) {
      let taken = 0;
      let skipped = false;
      let index = 0;
      while (index < this.waiting.length && budget > 0 && this.running.length < cfg.maxNumSeqs) {
        const seq = this.waiting[index] as Sequence;
        if (seq.lora !== null && !this.lora.canRun(seq.lora, cfg.maxLoras)) {
          skipped = true;
          index++;
          continue;
        }
        const admitted = this.admit(seq, budget);
        if (admitted === 0) break;
        if (seq.lora !== null && this.lora.acquire(seq.lora, cfg.maxLoras)) loadedAdapters++;
        budget -= admitted;
        prefillTokens += admitted;
        contextTokens += seq.numComputedTokens + admitted;
        scheduled.push(seq);
        this.running.push(seq);
        seq.state = 'running';
        // Mark for removal from the waiting queue below.
        this.waiting[index] = null as unknown as Sequence;
        taken++;
        index++;
      }
      if (taken > 0) {
        if (!skipped) this.waiting.splice(0, taken);
        else {
          let write = 0;
          for (let read = 0; read < this.waiting.length; read++) {
            const item = this.waiting[read];
            if (item !== null) this.waiting[write++] = item as Sequence;
          }
          this.waiting.length = write;
        }
      }
    }

    if (scheduled.length === 0) return null;
    const cost = cfg.cost;
    const base = stepCostMs(cost, prefillTokens, scheduled.length, contextTokens) + loadedAdapters * cfg.loraLoadMs;
    const jitter = cost.jitter > 0 ? 1 + cost.jitter * (2 * this.rng.next() - 1) : 1;
    this.stepInFlight = true;
    this.stats.steps++;
    this.lastPlan = {
      durationMs: base * jitter * cfg.timeScale,
      prefillTokens,
      decodeSeqs,
      numSeqs: scheduled.length,
      contextTokens,
      loadedAdapters,
    };
    return this.lastPlan;
  }

  /** Applies the planned step at its end time `nowMs`: tokens computed, tokens emitted, finishes. */
  completeStep(nowMs: number): void {
    if (!this.stepInFlight) throw new Error('completeStep called without a planned step');
    this.stepInFlight = false;
    let anyFinished = false;
    const scheduled = this.scheduled;
    for (let i = 0; i < scheduled.length; i++) {
      const seq = scheduled[i] as Sequence;
      if (seq.state !== 'running') continue; // aborted during the step
      seq.numComputedTokens += seq.scheduledTokens;
      seq.scheduledTokens = 0;
      if (seq.numComputedTokens < seq.numTokens) continue; // prefill still in progress
      if (this.emitToken(seq, nowMs)) anyFinished = true;
    }
    scheduled.length = 0;
    if (anyFinished) this.running = this.running.filter((seq) => seq.state === 'running');
  }

  /**
   * Fixed-latency mode (harness fidelity tests): the sequence skips batching and the KV cache;
   * its driver calls {@link emitDirect} at exact times.
   */
  startDirect(seq: Sequence, nowMs: number): void {
    seq.state = 'running';
    if (seq.arrivalMs < 0) seq.arrivalMs = nowMs;
    seq.queuedMs = nowMs;
    seq.firstScheduledMs = nowMs;
    seq.numCachedTokens = 0;
    this.direct.add(seq);
    this.observer.onScheduled?.(seq, 0);
  }

  /** Emits one token of a fixed-latency sequence; returns true when it finished. */
  emitDirect(seq: Sequence, nowMs: number): boolean {
    if (seq.state !== 'running' || !this.direct.has(seq)) return true;
    const finished = this.emitToken(seq, nowMs);
    if (finished) this.direct.delete(seq);
    return finished;
  }

  /**
   * Tokens of `seq`'s current content that the prefix cache would serve right now (longest chain
   * of cached full blocks, capped at numTokens − 1). Read-only; for tests and diagnostics.
   */
  cachedPrefixTokens(seq: Sequence): number {
    const bs = this.kv.blockSize;
    const maxHitBlocks = Math.floor((seq.numTokens - 1) / bs);
    let b = 0;
    while (b < maxHitBlocks && this.kv.lookup(seq.blockHash(b, this.rootHash, bs)) !== undefined) b++;
    return b * bs;
  }

  /** The most recent plan (diagnostics). */
  get lastStep(): StepPlan | null {
    return this.lastPlan;
  }

  /** Generates one token for `seq`; returns true if the sequence finished. */
  private emitToken(seq: Sequence, nowMs: number): boolean {
    const index = seq.numOutputTokens;
    seq.numOutputTokens = index + 1;
    this.stats.generationTokens++;
    if (index === 0) {
      seq.firstTokenMs = nowMs;
      this.stats.promptTokens += seq.promptLength;
      this.observer.onFirstToken?.(seq, nowMs - seq.arrivalMs);
    } else {
      this.observer.onInterToken?.(seq, nowMs - seq.lastTokenMs);
    }
    seq.lastTokenMs = nowMs;
    let reason: FinishReason | null = null;
    if (seq.stop !== null && seq.stop.has(seq.outputWord(index))) {
      seq.stoppedOnStopString = true;
      reason = 'stop';
    } else if (seq.numOutputTokens >= seq.maxTokens) reason = 'length';
    else if (seq.numOutputTokens >= seq.targetOutputTokens) reason = 'stop';
    if (reason !== null) {
      if (seq.lora !== null) this.lora.release(seq.lora);
      this.finish(seq, reason, nowMs);
      return true;
    }
    seq.listener?.onProgress(seq, false, nowMs);
    return false;
  }

  private finish(seq: Sequence, reason: FinishReason, nowMs: number): void {
    seq.state = 'finished';
    seq.finishReason = reason;
    seq.finishedMs = nowMs;
    this.kv.releaseAll(seq.blocks);
    seq.blocks.length = 0;
    seq.numRegisteredBlocks = 0;
    this.stats.finished[reason]++;
    this.observer.onFinished?.(seq);
    seq.listener?.onProgress(seq, true, nowMs);
  }

  /**
   * Admits a waiting sequence: prefix-cache lookup, then blocks for the hit plus as many new
   * tokens as the budget allows. Returns the tokens scheduled, or 0 if the KV cache cannot hold
   * them (the sequence stays waiting; FCFS head-of-line).
   */
  private admit(seq: Sequence, budget: number): number {
    const bs = this.kv.blockSize;
    const hits = this.hitScratch;
    hits.length = 0;
    // The last token is always recomputed (its logits are needed), so the hit is capped at n − 1.
    const maxHitBlocks = Math.floor((seq.numTokens - 1) / bs);
    for (let b = 0; b < maxHitBlocks; b++) {
      const block = this.kv.lookup(seq.blockHash(b, this.rootHash, bs));
      if (block === undefined) break;
      hits.push(block);
    }
    const hitTokens = hits.length * bs;
    const want = Math.min(seq.numTokens - hitTokens, budget);
    const newBlocks = Math.ceil((hitTokens + want) / bs) - hits.length;
    let idleHits = 0;
    for (let i = 0; i < hits.length; i++) if (this.kv.refCountOf(hits[i] as number) === 0) idleHits++;
    if (newBlocks + idleHits > this.kv.numFreeBlocks) return 0;

    for (let i = 0; i < hits.length; i++) {
      const block = hits[i] as number;
      this.kv.acquire(block);
      seq.blocks.push(block);
    }
    seq.numRegisteredBlocks = hits.length;
    seq.numComputedTokens = hitTokens;
    this.growBlocks(seq, hitTokens + want);
    this.stats.prefixQueries += seq.numTokens;
    this.stats.prefixHits += hitTokens;
    if (seq.numCachedTokens < 0) {
      seq.numCachedTokens = hitTokens;
      seq.firstScheduledMs = this.planClockMs;
      this.observer.onScheduled?.(seq, seq.firstScheduledMs - seq.queuedMs);
    }
    seq.scheduledTokens = want;
    return want;
  }

  /**
   * Makes sure `seq` has blocks for its first `totalTokens` tokens, allocating from the free queue,
   * and registers the hashes of blocks that become full. Returns false (allocating nothing) when
   * the free queue is too short.
   */
  private growBlocks(seq: Sequence, totalTokens: number): boolean {
    const bs = this.kv.blockSize;
    const needed = Math.ceil(totalTokens / bs) - seq.blocks.length;
    if (needed > 0) {
      if (needed > this.kv.numFreeBlocks) return false;
      for (let i = 0; i < needed; i++) seq.blocks.push(this.kv.allocate());
    }
    const full = Math.floor(totalTokens / bs);
    for (let b = seq.numRegisteredBlocks; b < full; b++) {
      this.kv.registerHash(seq.blocks[b] as number, seq.blockHash(b, this.rootHash, bs));
    }
    if (full > seq.numRegisteredBlocks) seq.numRegisteredBlocks = full;
    return true;
  }

  /** Recompute preemption: free all blocks, forget computed tokens, back to the FRONT of waiting. */
  private preempt(seq: Sequence): void {
    this.kv.releaseAll(seq.blocks);
    seq.blocks.length = 0;
    seq.numRegisteredBlocks = 0;
    seq.numComputedTokens = 0;
    seq.scheduledTokens = 0;
    seq.numPreemptions++;
    seq.state = 'waiting';
    if (seq.lora !== null) this.lora.release(seq.lora);
    this.waiting.unshift(seq);
    this.stats.preemptions++;
  }
}
