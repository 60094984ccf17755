import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedisClient, createRedisClient, loadLuaScripts, ScriptRegistry } from '../src/index.ts';
import type { RedisClient } from '../src/index.ts';
import { RedisProcess } from './helpers/redis-process.ts';

/** Calls of `command` so far, from INFO commandstats (e.g. evalsha, eval). */
async function calls(client: RedisClient, command: string): Promise<number> {
  const info = (await client.info('commandstats')) as string;
  const match = new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info);
  return match === null ? 0 : Number(match[1]);
}

describe('ScriptRegistry against its own redis-server', () => {
  let redis: RedisProcess;
  let client: RedisClient;
  const scripts = ScriptRegistry.fromDirectory();

  beforeAll(async () => {
    redis = await RedisProcess.start();
    client = createRedisClient({ mode: 'single', url: redis.url, autoPipelining: false });
  });
  afterAll(async () => {
    await closeRedisClient(client);
    await redis.destroy();
  });

  it('runs by EVALSHA, falls back to EVAL on NOSCRIPT, then EVALSHA again', async () => {
    await client.set('lease', 'me');
    expect(await scripts.run(client, 'renewLeader', ['lease'], ['me', 1000])).toBe(1);
    expect(await scripts.run(client, 'renewLeader', ['lease'], ['me', 1000])).toBe(1);
    const evalsBefore = await calls(client, 'eval');

    await client.script('FLUSH');
    expect(await client.script('EXISTS', scripts.get('renewLeader').sha)).toEqual([0]);
    expect(await scripts.run(client, 'renewLeader', ['lease'], ['other', 1000])).toBe(0);
    expect(await calls(client, 'eval')).toBe(evalsBefore + 1);
    expect(await client.script('EXISTS', scripts.get('renewLeader').sha)).toEqual([1]);

    const evalshaBefore = await calls(client, 'evalsha');
    expect(await scripts.run(client, 'renewLeader', ['lease'], ['me', 1000])).toBe(1);
    expect(await calls(client, 'evalsha')).toBe(evalshaBefore + 1);
    expect(await calls(client, 'eval')).toBe(evalsBefore + 1);
  });

  it('preload() SCRIPT LOADs every script under its local SHA-1', async () => {
    await client.script('FLUSH');
    await scripts.preload(client);
    const shas = scripts.names().map((n) => scripts.get(n).sha);
    expect(await client.script('EXISTS', ...shas)).toEqual(shas.map(() => 1));
  });

  it('rejects a wrong key count before touching Redis', async () => {
    await expect(scripts.run(client, 'renewLeader', [], ['me', 10])).rejects.toThrow(/takes 1 keys/);
  });

  it('passes real Redis errors through', async () => {
    await client.del('lease');
    await client.hset('lease', 'a', 'b');
    await expect(scripts.run(client, 'renewLeader', ['lease'], ['me', 1000])).rejects.toThrow(/WRONGTYPE/);
  });
});

describe('loadLuaScripts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-lua-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const header = (name: string) => `--[[\n  ${name}: test\n\n  KEYS[1]  STRING  a key\n\n  Returns:\n    1  ok\n]]\n`;

  it('inlines includes once, depth first', () => {
    mkdirSync(join(dir, 'ok/includes'), { recursive: true });
    writeFileSync(join(dir, 'ok/includes/a.lua'), '--@include b\nlocal function a() return b() end\n');
    writeFileSync(join(dir, 'ok/includes/b.lua'), 'local function b() return 1 end\n');
    writeFileSync(join(dir, 'ok/doThing-1.lua'), `${header('doThing-1')}--@include a\n--@include b\nreturn a() + redis.call('EXISTS', KEYS[1])\n`);
    const [script] = loadLuaScripts(join(dir, 'ok'));
    expect(script?.includes).toEqual(['b', 'a']);
    expect(script?.source.match(/local function b/g)).toHaveLength(1);
    expect(script?.source.indexOf('function b')).toBeLessThan(script?.source.indexOf('function a') ?? 0);
  });

  it('reports include cycles, missing includes and bad file names', () => {
    mkdirSync(join(dir, 'cycle/includes'), { recursive: true });
    writeFileSync(join(dir, 'cycle/includes/a.lua'), '--@include b\n');
    writeFileSync(join(dir, 'cycle/includes/b.lua'), '--@include a\n');
    writeFileSync(join(dir, 'cycle/doThing-1.lua'), `${header('doThing-1')}--@include a\nreturn 1\n`);
    expect(() => loadLuaScripts(join(dir, 'cycle'))).toThrow(/cycle: doThing-1.lua -> a -> b -> a/);

    mkdirSync(join(dir, 'missing/includes'), { recursive: true });
    writeFileSync(join(dir, 'missing/doThing-1.lua'), `${header('doThing-1')}--@include nope\nreturn 1\n`);
    expect(() => loadLuaScripts(join(dir, 'missing'))).toThrow(/include "nope" not found/);

    mkdirSync(join(dir, 'badname'), { recursive: true });
    writeFileSync(join(dir, 'badname/do_thing.lua'), header('x'));
    expect(() => loadLuaScripts(join(dir, 'badname'))).toThrow(/<verbNoun>-<numKeys>.lua/);

    mkdirSync(join(dir, 'noheader'), { recursive: true });
    writeFileSync(join(dir, 'noheader/doThing-1.lua'), 'return 1\n');
    expect(() => loadLuaScripts(join(dir, 'noheader'))).toThrow(/must start with a --\[\[/);
  });
});
