import { waitFor } from '@sluice/testing';

export interface AdminState {
  queue: { len: number };
  leases: { count: number };
  flows: { fairnessId: string; priority: number; len: number; leases: number }[];
  endpoints: { name: string; healthy: boolean; inFlight: number }[];
  self: { waiting: number; leases: number };
  replicas: { id: string }[];
}

export async function adminState(url: string): Promise<AdminState> {
  const res = await fetch(`${url}/admin/state`);
  return (await res.json()) as AdminState;
}

/** Waits until no lease is held and nothing is queued (leases are released just after the response ends). */
export async function expectNoLeakedLease(url: string, timeoutMs = 5000): Promise<AdminState> {
  return await waitFor(
    async () => {
      const s = await adminState(url);
      return s.leases.count === 0 && s.queue.len === 0 && s.self.leases === 0 && s.self.waiting === 0 ? s : undefined;
    },
    { timeoutMs, what: 'no lease held and nothing queued in /admin/state' },
  );
}

export function chatBody(model: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ model, messages: [{ role: 'user', content: 'tell me a story about a sluice gate' }], max_tokens: 8, ...extra });
}

export async function postJson(url: string, path: string, body: string, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  return await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, ...(signal ? { signal } : {}) });
}

/** Value of the Prometheus sample `name{labels…}` whose label set contains every `match` pair; undefined if absent. */
export function metricValue(text: string, name: string, match: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(match).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}
