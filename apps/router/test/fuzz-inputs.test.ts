import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ChildRegistry, startSimFleet, uniqueKeyPrefix, waitFor } from '@sluice/testing';
import type { SimFleet } from '@sluice/testing';
import { testRouterConfig } from './helpers/router-config.ts';
import { spawnRouter, stopFleetAndDeletePool } from './helpers/router-process.ts';
import type { RouterProcess } from './helpers/router-process.ts';

/**
 * fast-check fuzzing of a running fleet: two `sluice-router` processes (trusted-headers and
 * api-keys) share one Redis pool in front of real simulators. Random bodies (malformed JSON, deep
 * nesting, huge strings, wrong types, unicode, missing model), random control headers, garbage
 * credentials and random client disconnects. Each answer is a success or an OpenAI-style error
 * (never a 500, never a crash), and afterwards /admin/state shows no lease, queue entry or
 * rate-limit reservation left.
 */
const ADMIN_KEY = 'fuzz-admin-secret-1';
const GOOD_KEY = 'sk-fuzz-good-1';
const TINY_KEY = 'sk-fuzz-tiny-1';
const KEYS = JSON.stringify({
  keys: [
    { key: GOOD_KEY, tenant: 'fuzz-key', objectives: ['standard-traffic', 'best-effort-traffic'], defaultObjective: 'standard-traffic' },
    { key: TINY_KEY, tenant: 'fuzz-key-tiny', limits: { requestsPerMinute: 3, tokensPerMinute: 60 } },
  ],
});

interface FuzzCase {
  readonly router: number;
  readonly path: string;
  readonly body: string;
  readonly headers: Record<string, string>;
  readonly abortAfterMs: number | null;
}

/** Header values fetch can send: Latin-1 without control characters. */
const headerChar = fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c));
const headerValue = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: headerChar, maxLength: 40 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 12_000 }).map((n) => 'v'.repeat(n)) },
);
const messages = fc.array(
  fc.record({
    role: fc.oneof(fc.constantFrom('user', 'system', 'assistant'), fc.string({ maxLength: 8 })),
    content: fc.oneof(fc.string({ unit: 'grapheme', maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.constant('tell me about sluice gates')),
  }),
  { minLength: 0, maxLength: 4 },
);
const maxTokens = fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer(), fc.double(), fc.string({ maxLength: 5 }), fc.constant(null), fc.constant(1_000_000));
const requestObject = fc.record(
  {
    model: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('qwen', 'travel-helper') }, fc.constant('no-such-model'), fc.string({ unit: 'grapheme', maxLength: 12 }), fc.anything({ maxDepth: 2 })),
    messages: fc.oneof({ weight: 4, arbitrary: messages }, fc.anything({ maxDepth: 3 })),
    prompt: fc.oneof(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.array(fc.oneof(fc.string({ maxLength: 10 }), fc.integer())), fc.anything({ maxDepth: 2 })),
    max_tokens: maxTokens,
    stream: fc.oneof({ weight: 4, arbitrary: fc.boolean() }, fc.anything({ maxDepth: 1 })),
    stream_options: fc.oneof(fc.constant({ include_usage: true }), fc.anything({ maxDepth: 1 })),
  },
  { requiredKeys: [] },
);
/** Well-formed requests (valid for both routes), so the served path is fuzzed too. */
const validRequest = fc.record({
  model: fc.constantFrom('qwen', 'travel-helper'),
  messages: fc.array(fc.record({ role: fc.constant('user'), content: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }) }), { minLength: 1, maxLength: 3 }),
  prompt: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }),
  max_tokens: fc.integer({ min: 1, max: 8 }),
  stream: fc.boolean(),
});
const body = fc.oneof(
  { weight: 8, arbitrary: validRequest.map((o) => JSON.stringify(o)) },
  { weight: 6, arbitrary: requestObject.map((o) => JSON.stringify(o)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  { weight: 1, arbitrary: fc.json({ maxDepth: 4 }) },
  { weight: 1, arbitrary: fc.integer({ min: 10, max: 20_000 }).map((n) => `{"model":"qwen","messages":${'['.repeat(n)}${']'.repeat(n)}}`) },
  { weight: 1, arbitrary: fc.integer({ min: 10, max: 5_000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 10_000, max: 400_000 }).map((n) => JSON.stringify({ model: 'qwen', messages: [{ role: 'user', content: 'ab '.repeat(n / 3) }], max_tokens: 2 })),
  },
  { weight: 1, arbitrary: requestObject.map((o) => JSON.stringify(o).slice(0, -3)) },
  { weight: 1, arbitrary: fc.constant('') },
);
const headers = fc.record(
  {
    'content-type': fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16'),
    authorization: fc.oneof(
      { weight: 6, arbitrary: fc.constant(`Bearer ${GOOD_KEY}`) },
      fc.constantFrom(`Bearer ${GOOD_KEY}`, `Bearer ${TINY_KEY}`, 'Bearer ', 'Bearer', 'bearer sk-unknown-key', 'Basic Zm9vOmJhcg=='),
      headerValue.map((v) => `Bearer ${v}`),
      headerValue,
    ),
    'x-gateway-inference-fairness-id': fc.oneof(fc.constantFrom('tenant-a', 'fuzz-tiny', 'default-flow'), headerValue),
    'x-llm-d-inference-fairness-id': headerValue,
    'x-gateway-inference-objective': fc.oneof(fc.constantFrom('premium-traffic', 'standard-traffic', 'best-effort-traffic', 'nope'), headerValue),
    'x-gateway-model-name': fc.oneof(fc.constant('qwen'), headerValue),
    'x-slo-ttft-ms': fc.oneof(fc.integer().map(String), fc.double().map(String), headerValue),
    'x-request-id': headerValue,
  },
  { requiredKeys: ['content-type'] },
);
const fuzzCase: fc.Arbitrary<FuzzCase> = fc.record({
  router: fc.integer({ min: 0, max: 1 }),
  path: fc.constantFrom('/v1/chat/completions', '/v1/completions'),
  body,
  headers,
  abortAfterMs: fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, fc.constantFrom(0, 5, 25)),
});

describe('fuzzing a running fleet (Redis mode, trusted-headers + api-keys)', () => {
  const children = new ChildRegistry();
  const keyPrefix = uniqueKeyPrefix('router-fuzz');
  const redisUrl = inject('redisUrl');
  let fleet: SimFleet;
  let routers: RouterProcess[] = [];

  beforeAll(async () => {
    fleet = await startSimFleet({ count: 2, profile: 'tiny', timeScale: 0.05 });
    const shared = {
      ...testRouterConfig({ endpoints: fleet.pods.map((p) => p.address), redisUrl, maxConcurrency: 64, lenientHealthChecks: true }),
      tenants: {
        defaultLimits: { requestsPerMinute: 1_000_000, tokensPerMinute: 1_000_000_000 },
        overrides: [{ tenant: 'fuzz-tiny', limits: { requestsPerMinute: 3, tokensPerMinute: 60 } }],
      },
    };
    routers = await Promise.all([
      spawnRouter(children, shared, { SLUICE_REDIS_KEY_PREFIX: keyPrefix }),
      spawnRouter(children, { ...shared, auth: { mode: 'api-keys', keysEnv: 'SLUICE_FUZZ_KEYS', admin: { keyEnv: 'SLUICE_FUZZ_ADMIN' } } }, { SLUICE_REDIS_KEY_PREFIX: keyPrefix, SLUICE_FUZZ_KEYS: KEYS, SLUICE_FUZZ_ADMIN: ADMIN_KEY }),
    ]);
  }, 60_000);

  afterAll(async () => await stopFleetAndDeletePool(children, fleet, redisUrl, keyPrefix));

  const adminHeaders = { authorization: `Bearer ${ADMIN_KEY}` };

  /** Answers seen, by status (`aborted`, `closed` for client-side ends). */
  const seen = new Map<string, number>();
  const tally = (what: string): void => void seen.set(what, (seen.get(what) ?? 0) + 1);

  /** Sends one case; returns a problem description, or null when the answer is acceptable. */
  const check = async (c: FuzzCase): Promise<string | null> => {
    const router = routers[c.router]!;
    const controller = new AbortController();
    const timer = c.abortAfterMs === null ? null : setTimeout(() => controller.abort(), c.abortAfterMs);
    let res: Response;
    let text: string;
    try {
      res = await fetch(`${router.url}${c.path}`, { method: 'POST', headers: c.headers, body: c.body, signal: controller.signal });
      text = await res.text();
    } catch (error) {
      if (controller.signal.aborted) {
        tally('aborted');
        return null;
      }
      // Headers over server.maxHeaderSize: the server answers 431 and closes; fetch may see the close first.
      const headerBytes = Object.entries(c.headers).reduce((n, [k, v]) => n + k.length + v.length, 0);
      if (headerBytes > 8000) {
        tally('closed');
        return null;
      }
      return `fetch failed: ${(error as Error).message} (${(error as { cause?: Error }).cause?.message ?? ''})`;
    } finally {
      if (timer !== null) clearTimeout(timer);
    }
    tally(res.status === 429 ? `429 ${res.headers.get('x-llm-d-request-dropped-reason') ?? ''}` : String(res.status));
    if (res.status >= 500 && res.status !== 502 && res.status !== 503 && res.status !== 504) return `status ${res.status}: ${text.slice(0, 300)}`;
    if (res.status === 200) {
      if ((res.headers.get('content-type') ?? '').includes('text/event-stream')) return text.includes('data:') ? null : `empty stream: ${text.slice(0, 200)}`;
      const json = parse(text) as { choices?: unknown } | undefined;
      return json !== undefined && Array.isArray(json.choices) ? null : `200 without choices: ${text.slice(0, 200)}`;
    }
    const json = parse(text) as { error?: { message?: unknown; type?: unknown; code?: unknown } } | undefined;
    const error = json?.error;
    if (error === undefined || typeof error.message !== 'string' || typeof error.type !== 'string' || !('code' in error)) return `status ${res.status} without an OpenAI error body: ${text.slice(0, 300)}`;
    if (res.status === 429 && error.code === 'rate_limit_exceeded' && (res.headers.get('retry-after') === null || res.headers.get('x-llm-d-request-dropped-reason') !== 'rejected-rate-limited')) {
      return '429 rate_limit_exceeded without Retry-After / dropped reason';
    }
    return null;
  };

  it('answers every input with a success or an OpenAI-style error, and leaks nothing', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(fuzzCase, async (c) => {
        const problem = await check(c);
        expect(problem, JSON.stringify({ ...c, body: c.body.slice(0, 300) })).toBeNull();
        for (const router of routers) {
          const health = await fetch(`${router.url}/healthz`).catch((error: unknown) => {
            throw new Error(`router ${router.url} stopped answering: ${(error as Error).message}\n--- its output (tail) ---\n${router.output().slice(-3000)}`);
          });
          await health.arrayBuffer();
          expect(health.status).toBe(200);
        }
        statuses.set(c.router, (statuses.get(c.router) ?? 0) + 1);
      }),
      { numRuns: 150, interruptAfterTimeLimit: 40_000 },
    );
    expect(statuses.size).toBe(2);
    // The generators reach the interesting paths: served, rejected inputs, credentials, rate limits.
    for (const status of ['200', '400', '401', '429 rejected-rate-limited']) expect(seen.get(status) ?? 0, `${status} in ${JSON.stringify([...seen])}`).toBeGreaterThan(0);

    for (const router of routers) {
      await waitFor(
        async () => {
          const state = (await (await fetch(`${router.url}/admin/state`, { headers: adminHeaders })).json()) as {
            queue: { len: number };
            leases: { count: number };
            self: { waiting: number; leases: number; rateReservations: number };
            rateLimits: { reservations: number };
          };
          return state.queue.len === 0 && state.leases.count === 0 && state.self.waiting === 0 && state.self.leases === 0 && state.self.rateReservations === 0 && state.rateLimits.reservations === 0
            ? state
            : undefined;
        },
        { timeoutMs: 10_000, what: 'no lease, queue entry or rate-limit reservation left in /admin/state' },
      );
    }
  }, 90_000);
});

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
