import type { IncomingMessage, ServerResponse } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimFleet } from '@sluice/testing';
import type { SimFleet } from '@sluice/testing';
import { startRouter } from '../src/index.ts';
import type { RunningRouter } from '../src/index.ts';
import { chatBody, postJson } from './helpers/http.ts';
import { resolveTestConfig } from './helpers/router-config.ts';

/**
 * The routing-decision ring (/admin/decisions) keeps the last 256 decisions as lazy builders. A
 * builder created as an arrow inside the request path shares its function's V8 context and so keeps
 * the whole request alive (request, response, parsed body) until 256 newer requests push it out;
 * under load every request graph then survives the young-generation GC. This checks, with a real
 * router and real HTTP, that once the requests are done nothing but the decision summaries is left:
 * the server-side request and response objects are collectable while the ring still holds entries.
 */
describe('routing-decision ring', () => {
  let fleet: SimFleet;
  let router: RunningRouter;

  beforeAll(async () => {
    fleet = await startSimFleet({ count: 1, profile: 'tiny', args: ['--latency-mode', 'fixed', '--ttft-ms', '1', '--itl-ms', '1'] });
    router = await startRouter({ config: resolveTestConfig({ endpoints: fleet.pods.map((p) => p.address) }) });
  });

  afterAll(async () => {
    await router?.shutdown(1000);
    await fleet?.stop();
  });

  it('does not keep finished requests alive', async () => {
    const requests: WeakRef<IncomingMessage>[] = [];
    const responses: WeakRef<ServerResponse>[] = [];
    const track = (req: IncomingMessage, res: ServerResponse): void => {
      requests.push(new WeakRef(req));
      responses.push(new WeakRef(res));
    };
    router.app.server.on('request', track);
    const decisionsBefore = router.deps.decisions.total;
    for (let i = 0; i < 5; i++) {
      // A new connection per request (connection: close): no keep-alive socket may hold the last one.
      const res = await postJson(router.url, '/v1/chat/completions', chatBody('qwen'), { connection: 'close' });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    router.app.server.off('request', track);
    expect(requests).toHaveLength(5);
    expect(router.deps.decisions.total - decisionsBefore).toBe(5);
    expect(router.deps.decisions.recent(5)).toHaveLength(5);

    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    // WeakRef targets stay alive until the end of the job that created or read them, and sockets
    // close asynchronously: collect between turns of the event loop until the deadline.
    const deadline = Date.now() + 10_000;
    let alive = Number.POSITIVE_INFINITY;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setImmediate(resolve));
      gc();
      alive = [...requests, ...responses].filter((ref) => ref.deref() !== undefined).length;
      if (alive === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(alive, 'request/response objects still reachable after GC').toBe(0);
    // The ring still answers with the decisions it holds.
    expect(router.deps.decisions.recent(5).every((d) => d.picked === fleet.pods[0]!.address)).toBe(true);
  });
});
