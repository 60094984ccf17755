import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseRouterConfig } from '@sluice/config';
import { startSimFleet, uniqueKeyPrefix } from '@sluice/testing';
import type { SimFleet } from '@sluice/testing';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startRouter } from '../src/runtime.ts';
import type { RunningRouter } from '../src/runtime.ts';
import { postJson } from './helpers/http.ts';
import { testRouterConfig } from './helpers/router-config.ts';

/**
 * GET /dashboard, driven in headless Chromium (Debian's `chromium` package, through playwright-core;
 * no browser download). A router on Redis with 3 simulators and 2 slots per pod is kept saturated by
 * closed-loop tenants in three bands, so several tenants hold queued requests while the page polls.
 *
 * Env: SLUICE_CHROMIUM (default /usr/bin/chromium); SLUICE_SKIP_BROWSER_TESTS=1 skips the browser
 * part; SLUICE_DASHBOARD_SCREENSHOT=docs/dashboard.png (path from the repo root, or absolute) also
 * lets the load run ~40 s (with a burst) and writes a screenshot of the loaded page there (for docs/operations.md).
 */
const CHROMIUM = process.env['SLUICE_CHROMIUM'] ?? '/usr/bin/chromium';
const SKIP_BROWSER = process.env['SLUICE_SKIP_BROWSER_TESTS'] === '1';
const SCREENSHOT = process.env['SLUICE_DASHBOARD_SCREENSHOT'];
const REPO_ROOT = new URL('../../../', import.meta.url);

/** A tenant name that would run script if the page inserted it as markup. */
const HOSTILE_TENANT = '<img src=x onerror="globalThis.__pwned=1">';

interface Tenant {
  readonly name: string;
  readonly objective: 'premium-traffic' | 'standard-traffic' | 'best-effort-traffic';
  /** Requests kept outstanding (closed loop). */
  readonly concurrency: number;
}

const TENANTS: readonly Tenant[] = [
  { name: 'acme-corp', objective: 'standard-traffic', concurrency: 7 },
  { name: 'globex', objective: 'standard-traffic', concurrency: 4 },
  { name: 'umbrella-labs', objective: 'premium-traffic', concurrency: 2 },
  { name: 'initech-batch', objective: 'best-effort-traffic', concurrency: 3 },
  { name: HOSTILE_TENANT, objective: 'standard-traffic', concurrency: 1 },
];

/** A long per-tenant system prompt (shared prefix → prefix-index and engine cache hits) and a unique question. */
function chatBodyFor(tenant: string, n: number): string {
  const topic = tenant.replace(/[^a-z]/g, '') || 'tenant';
  const system = Array.from({ length: 36 }, (_, i) => `${topic} policy clause ${i}: answer briefly and cite the runbook section.`).join(' ');
  return JSON.stringify({
    model: 'travel-helper',
    messages: [
      { role: 'system', content: system },
      { role: 'user', content: `Question ${n} from ${topic}: how do sluice gates hold back water?` },
    ],
    max_tokens: 16,
    ignore_eos: true,
  });
}

/** Closed-loop load: each tenant keeps `concurrency` requests outstanding until stop(). */
function startLoad(url: string, tenants: readonly Tenant[]) {
  const abort = new AbortController();
  const counts = { ok: 0, failed: 0 };
  let seq = 0;
  const loop = async (t: Tenant) => {
    while (!abort.signal.aborted) {
      try {
        const res = await postJson(url, '/v1/chat/completions', chatBodyFor(t.name, seq++), { 'x-gateway-inference-fairness-id': t.name, 'x-gateway-inference-objective': t.objective }, abort.signal);
        await res.arrayBuffer();
        if (res.status === 200) {
          counts.ok++;
          continue;
        }
        counts.failed++;
      } catch {
        if (abort.signal.aborted) return;
        counts.failed++;
      }
      // Pacing after a failure (e.g. a best-effort request dropped at its TTL), so a failing loop does not spin.
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  const loops = tenants.flatMap((t) => Array.from({ length: t.concurrency }, () => loop(t)));
  return {
    counts,
    stop: async () => {
      abort.abort();
      await Promise.allSettled(loops);
    },
  };
}

function routerConfig(endpoints: string[], redisUrl: string) {
  const base = testRouterConfig({ endpoints, redisUrl, maxConcurrency: 2, logLevel: 'warn' });
  const { plugins: _plugins, schedulingProfiles: _profiles, ...picker } = base['endpointPicker'] as Record<string, unknown>;
  return parseRouterConfig(
    {
      ...base,
      proxy: { connectTimeout: '1s', firstByteTimeout: '60s', streamIdleTimeout: '30s', maxRetries: 1 },
      endpointPicker: {
        ...picker,
        // The default scheduling profile (queue 2, kv 2, prefix 3) with a global prefix index, so the
        // decisions table shows every scorer and the endpoints table a prefix hit rate.
        plugins: [
          { type: 'concurrency-detector', parameters: { maxConcurrency: 2 } },
          { type: 'round-robin-fairness-policy' },
          { type: 'global-strict-fairness-policy' },
          { type: 'approx-prefix-cache-producer', parameters: { prefixIndex: 'global' } },
        ],
      },
    },
    { env: {}, source: '<dashboard test>' },
  );
}

describe('GET /dashboard', () => {
  const redisUrl = inject('redisUrl');
  let fleet: SimFleet | undefined;
  let router: RunningRouter | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    // Tiny engine at 1/20 speed: a 16-token answer takes about a second, so 6 slots hold a queue.
    fleet = await startSimFleet({ count: 3, profile: 'tiny', timeScale: 20 });
    router = await startRouter({
      config: routerConfig(
        fleet.pods.map((p) => p.address),
        redisUrl,
      ),
      env: { SLUICE_REDIS_KEY_PREFIX: uniqueKeyPrefix('dashboard') },
    });
  }, 60_000);

  afterAll(async () => {
    try {
      await browser?.close();
      await router?.shutdown(1000);
    } finally {
      await fleet?.stop();
    }
  });

  it('serves one self-contained HTML page with a CSP that allows only its own inline code', async () => {
    const res = await fetch(`${router!.url}/dashboard`);
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).toContain("connect-src 'self'");
    expect(html).toContain('<title>Sluice dashboard</title>');
    expect(html).not.toContain('__DASHBOARD_');
    // No markup sinks in the page's code: server strings go in through textContent only.
    expect(html).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });

  describe.skipIf(SKIP_BROWSER)('in headless Chromium', () => {
    let page: Page;
    const pageErrors: string[] = [];

    beforeAll(async () => {
      if (!existsSync(CHROMIUM)) {
        throw new Error(
          `The dashboard browser test needs Chromium at ${CHROMIUM}: run \`apt-get install chromium\` (Debian/Ubuntu), ` +
            'or set SLUICE_CHROMIUM to another Chromium binary, or set SLUICE_SKIP_BROWSER_TESTS=1 to skip this test.',
        );
      }
      // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
      page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
      page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`);
      });
    }, 60_000);

    it('shows queued tenants, updates itself, and grows the decisions table as traffic goes on', async () => {
      const url = router!.url;
      const response = await page.goto(`${url}/dashboard`);
      expect(response?.status()).toBe(200);
      await page.locator('#status', { hasText: 'live' }).waitFor({ timeout: 10_000 });
      expect(await page.locator('#store').textContent()).toBe('redis (global)');
      expect(await page.locator('#replica').textContent()).toBe(router!.deps.replicaId);
      const decisionRows = page.locator('#decisions tbody.decision');
      const rowsBefore = await decisionRows.count();

      const load = startLoad(url, TENANTS);
      try {
        // Two standard tenants and the best-effort one hold queued requests, each shown by name.
        const queued = ['acme-corp', 'globex', 'initech-batch'];
        for (const tenant of queued) {
          await expect
            .poll(async () => Number((await page.locator(`tr.tenant[data-tenant="${tenant}"] td.len`).textContent({ timeout: 500 }).catch(() => '0'))?.replace(/,/g, '')), {
              timeout: 20_000,
              interval: 100,
              message: `dashboard row of ${tenant} with a non-zero queue`,
            })
            .toBeGreaterThan(0);
          expect(await page.locator(`tr.tenant[data-tenant="${tenant}"] td.tenant-name`).textContent()).toBe(tenant);
        }
        expect(Number((await page.locator('#queue-len').textContent())?.replace(/,/g, ''))).toBeGreaterThan(0);
        await expect.poll(async () => await page.locator('#saturation').textContent(), { timeout: 10_000 }).toMatch(/^\d+ %$/);

        // The page updates itself: the server's timestamp changes without a reload.
        const stamp = await page.locator('#updated-at').textContent();
        await expect.poll(async () => await page.locator('#updated-at').textContent(), { timeout: 5000, interval: 100 }).not.toBe(stamp);

        // The decisions table gains rows, then keeps moving (newest request id and the total change).
        await expect.poll(async () => await decisionRows.count(), { timeout: 10_000, interval: 100 }).toBeGreaterThan(rowsBefore);
        const total = Number(await page.locator('#decisions-total').getAttribute('data-total'));
        const newest = await decisionRows.first().getAttribute('data-request-id');
        await expect.poll(async () => Number(await page.locator('#decisions-total').getAttribute('data-total')), { timeout: 10_000, interval: 100 }).toBeGreaterThan(total);
        await expect.poll(async () => await decisionRows.first().getAttribute('data-request-id'), { timeout: 10_000, interval: 100 }).not.toBe(newest);
        // Each decision lists its candidates with per-scorer scores (the default profile's three scorers).
        const head = await page.locator('#decisions thead').textContent();
        for (const scorer of ['queue-scorer', 'kv-cache-utilization-scorer', 'prefix-cache-scorer']) expect(head).toContain(scorer);
        expect(await decisionRows.first().locator('tr.cand').count()).toBe(fleet!.pods.length);

        // Per-endpoint load: every endpoint is listed, with engine metrics once scraped.
        for (const pod of fleet!.pods) await page.locator(`#endpoints-body tr[data-endpoint="${pod.address}"]`).waitFor({ timeout: 5000 });
        await expect.poll(async () => await page.locator('#endpoints-body .kv-wrap').count(), { timeout: 10_000 }).toBe(fleet!.pods.length);

        // A hostile tenant name is shown as text, never parsed as markup.
        const hostile = page.locator('tr.tenant td.tenant-name', { hasText: HOSTILE_TENANT });
        await hostile.first().waitFor({ timeout: 10_000 });
        expect(await page.locator('#flows img, #decisions img').count()).toBe(0);
        expect(await page.evaluate(() => (globalThis as { __pwned?: unknown }).__pwned)).toBeUndefined();

        // The chart holds a history of queue size and saturation.
        await expect.poll(async () => ((await page.locator('#chart polyline.queue-line').getAttribute('points')) ?? '').split(' ').length, { timeout: 10_000 }).toBeGreaterThan(2);
        expect(await page.locator('#chart polyline.sat-line').count()).toBe(1);

        if (SCREENSHOT !== undefined && SCREENSHOT !== '') {
          // Only for the docs picture (not a correctness wait): ~40 s of history with a burst from one
          // more tenant in the middle, so the chart shows the queue rise and drain.
          const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
          await pause(12_000);
          const burst = startLoad(url, [{ name: 'hooli-burst', objective: 'standard-traffic', concurrency: 10 }]);
          await pause(12_000);
          await burst.stop();
          await pause(14_000);
          const file = new URL(SCREENSHOT, REPO_ROOT);
          mkdirSync(dirname(file.pathname), { recursive: true });
          await page.screenshot({ path: file.pathname, fullPage: true });
          console.info(`dashboard screenshot written to ${file.pathname}`);
        }
      } finally {
        await load.stop();
      }
      expect(load.counts.ok).toBeGreaterThan(0);
      expect(pageErrors).toEqual([]);
    }, 120_000);

    it('asks for the admin key when the admin endpoints answer 401, and goes live with the right one', async () => {
      const ADMIN_KEY = 'sk-dashboard-admin-3c9e';
      const dir = mkdtempSync(join(tmpdir(), 'sluice-dashboard-keys-'));
      writeFileSync(join(dir, 'keys.yaml'), 'keys:\n  - { key: sk-dashboard-tenant, tenant: tenant-one }\n');
      const config = parseRouterConfig(
        { ...testRouterConfig({ endpoints: fleet!.pods.map((p) => p.address) }), auth: { mode: 'api-keys', keysFile: join(dir, 'keys.yaml'), admin: { keyEnv: 'SLUICE_ADMIN_KEY' } } },
        { env: { SLUICE_ADMIN_KEY: ADMIN_KEY }, source: '<dashboard auth test>' },
      );
      const guarded = await startRouter({ config });
      const context = await browser!.newContext();
      try {
        const page = await context.newPage();
        // The page itself opens without a key; its polls of admin/state and admin/decisions must use
        // the key typed into the page.
        expect((await page.goto(`${guarded.url}/dashboard`))?.status()).toBe(200);
        await page.locator('#admin-key-form').waitFor({ state: 'visible', timeout: 10_000 });
        await page.locator('#status', { hasText: 'admin key needed' }).waitFor({ timeout: 5000 });

        await page.fill('#admin-key', 'sk-not-the-admin-key');
        await page.click('#admin-key-form button');
        await page.locator('#admin-key-error', { hasText: 'refused' }).waitFor({ timeout: 10_000 });

        await page.fill('#admin-key', ADMIN_KEY);
        await page.click('#admin-key-form button');
        await page.locator('#status', { hasText: 'live' }).waitFor({ timeout: 10_000 });
        expect(await page.locator('#replica').textContent()).toBe(guarded.deps.replicaId);
        expect(await page.locator('#admin-key-form').isHidden()).toBe(true);
        // The key is kept for this tab: a reload goes live without asking again.
        await page.reload();
        await page.locator('#status', { hasText: 'live' }).waitFor({ timeout: 10_000 });
        expect(await page.locator('#admin-key-form').isHidden()).toBe(true);
      } finally {
        await context.close();
        await guarded.shutdown(1000);
        rmSync(dir, { recursive: true, force: true });
      }
    }, 60_000);
  });
});
