import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RedisClient } from '../connection/redis-factory.ts';
import { isCluster } from '../connection/redis-factory.ts';
import type { PoolKeys } from '../keys/pool-keys.ts';
import { defaultLuaDirectory } from '../scripts/lua-loader.ts';
import type { ScriptRegistry } from '../scripts/script-registry.ts';

/** q-quantile (0..1) of `values` (nearest rank); NaN for an empty list. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Σ MEMORY USAGE (bytes, all samples) of every key of the pool (single node). */
export async function poolBytes(client: RedisClient, keys: PoolKeys): Promise<number> {
  if (isCluster(client)) throw new Error('poolBytes needs a single-node client');
  let total = 0;
  let cursor = '0';
  do {
    const [next, found] = await client.scan(cursor, 'MATCH', `${keys.base.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`, 'COUNT', 1000);
    cursor = next;
    for (const key of found) total += Number((await client.memory('USAGE', key, 'SAMPLES', 0)) ?? 0);
  } while (cursor !== '0');
  return total;
}

/** Script calls the server has executed (EVALSHA + EVAL), from INFO commandstats. */
export async function scriptCalls(client: RedisClient): Promise<number> {
  if (isCluster(client)) throw new Error('scriptCalls needs a single-node client');
  const info = await client.info('commandstats');
  let total = 0;
  for (const match of info.matchAll(/cmdstat_(evalsha|eval):calls=(\d+)/g)) total += Number(match[2]);
  return total;
}

/** Script calls (EVALSHA + EVAL) and the server time they took (µs), from INFO commandstats. */
export async function scriptServerTime(client: RedisClient): Promise<{ calls: number; usec: number }> {
  if (isCluster(client)) throw new Error('scriptServerTime needs a single-node client');
  const info = await client.info('commandstats');
  let calls = 0;
  let usec = 0;
  for (const match of info.matchAll(/cmdstat_(evalsha|eval):calls=(\d+),usec=(\d+)/g)) {
    calls += Number(match[2]);
    usec += Number(match[3]);
  }
  return { calls, usec };
}

/**
 * Server-side µs of every command that `client`'s server ran during `run`, by lower-case command
 * name, each list in execution order, from SLOWLOG with every command logged (`maxEntries` ≥ the
 * commands `run` issues). It changes the server's slowlog settings (restored afterwards) and resets
 * its slowlog, so call it only on a private redis-server.
 */
export async function serverTimesByCommand(client: RedisClient, maxEntries: number, run: () => Promise<void>): Promise<Map<string, number[]>> {
  if (isCluster(client)) throw new Error('serverTimesByCommand needs a single-node client');
  const saved = (await client.config('GET', 'slowlog-*')) as string[];
  await client.config('SET', 'slowlog-log-slower-than', '0', 'slowlog-max-len', String(maxEntries));
  await client.slowlog('RESET');
  try {
    await run();
    const entries = (await client.slowlog('GET', maxEntries)) as [number, number, number, string[]][];
    const byCommand = new Map<string, number[]>();
    for (const e of entries.reverse()) {
      const name = (e[3][0] ?? '').toLowerCase();
      let list = byCommand.get(name);
      if (list === undefined) byCommand.set(name, (list = []));
      list.push(e[2]);
    }
    return byCommand;
  } finally {
    await client.config('SET', ...saved);
  }
}

/** `serverTimesByCommand`, EVALSHA only. */
export async function evalshaServerTimes(client: RedisClient, maxEntries: number, run: () => Promise<void>): Promise<number[]> {
  return (await serverTimesByCommand(client, maxEntries, run)).get('evalsha') ?? [];
}

/**
 * Redis (5.x–7.x) runs a Lua GC step after every 50th script call, whatever the script. Splits
 * per-call server times (in execution order) into the residue class mod 50 with the highest median
 * (those calls paid the step) and the rest.
 */
export function luaGcStepSplit(serverUs: readonly number[]): { stepCallsMedianUs: number; otherCallsP99Us: number; allCallsP99Us: number } {
  const byResidue = Array.from({ length: 50 }, () => [] as number[]);
  serverUs.forEach((us, i) => byResidue[i % 50]!.push(us));
  let worst = 0;
  for (let r = 1; r < 50; r++) if (percentile(byResidue[r]!, 0.5) > percentile(byResidue[worst]!, 0.5)) worst = r;
  const others = serverUs.filter((_, i) => i % 50 !== worst);
  return { stepCallsMedianUs: percentile(byResidue[worst]!, 0.5), otherCallsP99Us: percentile(others, 0.99), allCallsP99Us: percentile(serverUs, 0.99) };
}

/**
 * A flow script's resolved source split at its `--@include flowEngine` line: `engine` is the header
 * plus every inlined include, `body` the script's own code after it (file `<name>-<numKeys>.lua`).
 */
export function splitFlowScript(scripts: ScriptRegistry, name: string): { engine: string; body: string } {
  const script = scripts.get(name);
  const raw = readFileSync(join(defaultLuaDirectory(), `${name}-${script.numKeys}.lua`), 'utf8');
  const body = raw.slice(raw.indexOf('\n', raw.indexOf('--@include flowEngine')) + 1);
  if (!script.source.endsWith(body)) throw new Error(`${name}: resolved source does not end with its body`);
  return { engine: script.source.slice(0, script.source.length - body.length), body };
}
