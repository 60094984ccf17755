import { Counter, Gauge, Registry } from 'prom-client';
import type { SimConfig } from '../config.ts';
import type { Engine, EngineObserver } from '../engine/engine.ts';
import type { Sequence } from '../engine/sequence.ts';
import { FixedLabelHistogram } from './fixed-label-histogram.ts';

/** vLLM's bucket lists (reference §1.6). Values in seconds. */
export const TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640, 2560];
export const ITL_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80];
export const REQUEST_LATENCY_BUCKETS = [0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680];

/** Live state the exporter reads at scrape time. */
export interface MetricsSource {
  engine: Engine;
  config: () => SimConfig;
}

/**
 * The simulator's Prometheus metrics, named and labelled as vLLM 0.26 exposes them
 * (`model_name` and `engine="0"` on every series). Counters and gauges are read from engine state
 * at scrape time; histograms are fed by engine events ({@link EngineObserver}).
 */
export class SimMetrics implements EngineObserver {
  readonly registry = new Registry();
  private readonly ttft: FixedLabelHistogram;
  private readonly itl: FixedLabelHistogram;
  private readonly e2e: FixedLabelHistogram;
  private readonly queue: FixedLabelHistogram;
  private source: MetricsSource | null = null;

  constructor(modelName: string, loraEnabled: boolean) {
    const base = { model_name: modelName, engine: '0' };
    const labelNames = ['model_name', 'engine'] as const;
    const registers = [this.registry];
    const read = (): MetricsSource => {
      if (this.source === null) throw new Error('metrics read before attach()');
      return this.source;
    };

    new Gauge({
      name: 'vllm:num_requests_running',
      help: 'Number of requests in model execution batches.',
      labelNames,
      registers,
      collect() {
        this.set(base, read().engine.numRunning);
      },
    });
    new Gauge({
      name: 'vllm:num_requests_waiting',
      help: 'Number of requests waiting to be processed.',
      labelNames,
      registers,
      collect() {
        this.set(base, read().engine.numWaiting);
      },
    });
    new Gauge({
      name: 'vllm:kv_cache_usage_perc',
      help: 'KV-cache usage. 1 means 100 percent usage.',
      labelNames,
      registers,
      collect() {
        this.set(base, read().engine.kv.usage());
      },
    });
    new Gauge({
      name: 'vllm:cache_config_info',
      help: 'Information of the LLMEngine CacheConfig',
      labelNames: ['model_name', 'engine', 'block_size', 'num_gpu_blocks', 'enable_prefix_caching', 'cache_dtype', 'gpu_memory_utilization'],
      registers,
      collect() {
        const kv = read().engine.kv;
        this.reset();
        this.set({ ...base, block_size: String(kv.blockSize), num_gpu_blocks: String(kv.numBlocks), enable_prefix_caching: 'True', cache_dtype: 'auto', gpu_memory_utilization: '0.9' }, 1);
      },
    });
    if (loraEnabled) {
      new Gauge({
        name: 'vllm:lora_requests_info',
        help: 'Running stats on lora requests.',
        labelNames: ['model_name', 'engine', 'max_lora', 'running_lora_adapters', 'waiting_lora_adapters'],
        registers,
        collect() {
          const { engine, config } = read();
          const waiting = new Set<string>();
          for (const seq of engine.waiting) if (seq.lora !== null) waiting.add(seq.lora);
          this.reset();
          this.set(
            { ...base, max_lora: String(config().maxLoras), running_lora_adapters: engine.lora.runningAdapters().join(','), waiting_lora_adapters: [...waiting].join(',') },
            Date.now() / 1000,
          );
        },
      });
    }

    const counter = (name: string, help: string, value: (engine: Engine) => number): void => {
      new Counter({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.reset();
          this.inc(base, value(read().engine));
        },
      });
    };
    counter('vllm:prompt_tokens_total', 'Number of prefill tokens processed.', (e) => e.stats.promptTokens);
    counter('vllm:generation_tokens_total', 'Number of generation tokens processed.', (e) => e.stats.generationTokens);
    counter('vllm:prefix_cache_queries_total', 'Prefix cache queries, in terms of number of queried tokens.', (e) => e.stats.prefixQueries);
    counter('vllm:prefix_cache_hits_total', 'Prefix cache hits, in terms of number of cached tokens.', (e) => e.stats.prefixHits);
    counter('vllm:num_preemptions_total', 'Cumulative number of preemption from the engine.', (e) => e.stats.preemptions);
    new Counter({
      name: 'vllm:request_success_total',
      help: 'Count of successfully processed requests.',
      labelNames: ['model_name', 'engine', 'finished_reason'],
      registers,
      collect() {
        const finished = read().engine.stats.finished;
        this.reset();
        for (const reason of ['stop', 'length', 'abort'] as const) this.inc({ ...base, finished_reason: reason }, finished[reason]);
      },
    });

    this.ttft = new FixedLabelHistogram('vllm:time_to_first_token_seconds', 'Histogram of time to first token in seconds.', TTFT_BUCKETS, base, this.registry);
    this.itl = new FixedLabelHistogram('vllm:inter_token_latency_seconds', 'Histogram of inter-token latency in seconds.', ITL_BUCKETS, base, this.registry);
    this.e2e = new FixedLabelHistogram('vllm:e2e_request_latency_seconds', 'Histogram of e2e request latency in seconds.', REQUEST_LATENCY_BUCKETS, base, this.registry);
    this.queue = new FixedLabelHistogram('vllm:request_queue_time_seconds', 'Histogram of time spent in WAITING phase for request.', REQUEST_LATENCY_BUCKETS, base, this.registry);
  }

  /** Connects the exporter to the engine it reports on (the engine is built with this observer). */
  attach(source: MetricsSource): void {
    this.source = source;
  }

  onScheduled(_seq: Sequence, queueMs: number): void {
    this.queue.observe(queueMs / 1000);
  }

  onFirstToken(_seq: Sequence, ttftMs: number): void {
    this.ttft.observe(ttftMs / 1000);
  }

  onInterToken(_seq: Sequence, itlMs: number): void {
    this.itl.observe(itlMs / 1000);
  }

  onFinished(seq: Sequence): void {
    if (seq.finishReason !== 'abort') this.e2e.observe((seq.finishedMs - seq.arrivalMs) / 1000);
  }

  async render(): Promise<string> {
    return await this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
