import type { StagePlan } from '../arrivals/stages.ts';
import { buildRequest } from '../client/body.ts';
import type { ApiOptions } from '../client/body.ts';
import { nowSeconds } from '../client/clock.ts';
import type { StreamClient } from '../client/stream-client.ts';
import type { RequestRecord } from '../metrics/request-record.ts';
import type { RequestSpec, Workload } from '../workloads/types.ts';
import { Semaphore } from './semaphore.ts';
import type { SessionStore } from './sessions.ts';

/** Everything a stage needs that outlives the stage. */
export interface RunContext {
  client: StreamClient;
  /** Target base URL without trailing slash, e.g. http://127.0.0.1:8000. */
  baseUrl: string;
  api: ApiOptions;
  workload: Workload;
  sessions: SessionStore;
  /** Cap on requests in flight across the stage (vLLM bench --max-concurrency); null = none. */
  maxConcurrency: number | null;
  onRequestDone?: (record: RequestRecord) => void;
}

export interface StageResult {
  stage: number;
  stageStart: number;
  stageEnd: number;
  records: RequestRecord[];
  limitedBy: 'concurrency' | 'sessions' | null;
}

/**
 * Runs one stage to completion (every request answered or failed).
 * Open loop: request i is dispatched at stageStart + offsets[i]; the dispatcher sleeps until the
 * next due time and never waits for replies. Closed loop: `concurrency` workers each send the
 * next request as soon as their previous one finished. Specs are drawn from the workload in
 * index order before the stage starts, so traffic depends only on the seed.
 */
export async function runStage(ctx: RunContext, stage: number, plan: StagePlan): Promise<StageResult> {
  const specs: RequestSpec[] = Array.from({ length: plan.numRequests }, () => ctx.workload.next());
  const cap = ctx.maxConcurrency === null ? null : new Semaphore(ctx.maxConcurrency);
  const records: RequestRecord[] = [];
  let waitedForSlot = false;
  let waitedForSession = false;

  const sendOne = async (index: number, scheduledTime: number | null, dispatchTime: number): Promise<void> => {
    const spec = specs[index] as RequestSpec;
    if (cap !== null && (await cap.acquire())) waitedForSlot = true;
    try {
      const exchange = async (): Promise<RequestRecord> => {
        const context = spec.session === null ? null : ctx.sessions.context(spec.session.id);
        const built = buildRequest(spec, ctx.api, context);
        const response = await ctx.client.send(ctx.baseUrl + built.path, built.body, built.headers);
        if (spec.session !== null && response.failure === null) ctx.sessions.recordReply(spec.session.id, built.promptText, response.text);
        return {
          index,
          stage,
          scheduledTime,
          dispatchTime,
          startTime: response.startTime,
          endTime: response.endTime,
          streamed: ctx.api.streaming,
          chunks: response.chunks,
          promptTokens: response.promptTokens,
          completionTokens: response.completionTokens,
          cachedTokens: response.cachedTokens,
          expectedPromptTokens: built.promptTokens,
          maxTokens: spec.maxTokens,
          tenant: spec.tenant,
          objective: spec.objective,
          endpoint: response.endpoint,
          sloTtft: spec.sloTtftMs === null ? null : spec.sloTtftMs / 1000,
          sloTpot: spec.sloTpotMs === null ? null : spec.sloTpotMs / 1000,
          outputText: response.text,
          failure: response.failure,
          queueWait: response.queueWait,
        };
      };
      let record: RequestRecord;
      if (spec.session === null) record = await exchange();
      else {
        const result = await ctx.sessions.run(spec.session.id, exchange);
        if (result.waited) waitedForSession = true;
        record = result.value;
      }
      records.push(record);
      ctx.onRequestDone?.(record);
    } finally {
      cap?.release();
    }
  };

  const stageStart = nowSeconds();
  const inFlight: Promise<void>[] = [];
  if (plan.offsets !== null) {
    const offsets = plan.offsets;
    let next = 0;
    while (next < offsets.length) {
      await sleepUntil(stageStart + (offsets[next] as number));
      const now = nowSeconds();
      while (next < offsets.length && stageStart + (offsets[next] as number) <= now) {
        inFlight.push(sendOne(next, stageStart + (offsets[next] as number), now));
        next++;
      }
    }
  } else {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < plan.numRequests) {
        const index = next++;
        await sendOne(index, null, nowSeconds());
      }
    };
    for (let w = 0; w < (plan.concurrency ?? 1); w++) inFlight.push(worker());
  }
  await Promise.all(inFlight);
  records.sort((a, b) => a.index - b.index);
  return { stage, stageStart, stageEnd: nowSeconds(), records, limitedBy: waitedForSlot ? 'concurrency' : waitedForSession ? 'sessions' : null };
}

/**
 * Resolves at or just after `due` (never before): a timer for all but the last ~2 ms, then
 * event-loop turns (setImmediate) until the clock passes `due`, since timers fire up to a
 * millisecond late or early relative to performance.now().
 */
async function sleepUntil(due: number): Promise<void> {
  const wait = due - nowSeconds();
  if (wait > 0.002) await new Promise((resolve) => setTimeout(resolve, (wait - 0.002) * 1000));
  while (nowSeconds() < due) await new Promise((resolve) => setImmediate(resolve));
}
