import type { RedisClient } from '../connection/redis-factory.ts';
import { isCluster } from '../connection/redis-factory.ts';
import { TurnWriteBatcher } from '../connection/turn-write-batcher.ts';
import { loadLuaScripts } from './lua-loader.ts';
import type { LuaScript } from './lua-loader.ts';

export type ScriptArg = string | number | Buffer;

/**
 * Holds the loaded lua/ scripts and runs them. Each call is one EVALSHA (one round trip). When the
 * node answers NOSCRIPT (script cache flushed, Redis restarted, failover, a new cluster node) the
 * call is retried once as EVAL, which also caches the script on that node, so later calls are
 * EVALSHA again. Safe to share across callers; holds no per-call state.
 *
 * The calls made in one event-loop turn leave in one socket write per client (TurnWriteBatcher):
 * a call's command is written at the end of the turn it was made in, never later.
 */
export class ScriptRegistry {
  readonly #scripts: Map<string, LuaScript>;
  readonly #batcher: TurnWriteBatcher;

  /** `batcher`: share one between the registries of a process (see TurnWriteBatcher); default: its own. */
  constructor(scripts: LuaScript[], batcher: TurnWriteBatcher = new TurnWriteBatcher()) {
    this.#batcher = batcher;
    this.#scripts = new Map(scripts.map((s) => [s.name, s]));
    if (this.#scripts.size !== scripts.length) throw new Error('duplicate lua script names');
  }

  /** Loads every script from lua/ (or `dir`). */
  static fromDirectory(dir?: string, batcher?: TurnWriteBatcher): ScriptRegistry {
    return new ScriptRegistry(loadLuaScripts(dir), batcher);
  }

  get(name: string): LuaScript {
    const script = this.#scripts.get(name);
    if (script === undefined) throw new Error(`unknown lua script "${name}"`);
    return script;
  }

  names(): string[] {
    return [...this.#scripts.keys()];
  }

  /**
   * Runs `name` with exactly `numKeys` keys (all in one hash slot on Cluster) and its ARGV.
   * Throws on a key-count mismatch (a programming error) and on any Redis error except NOSCRIPT.
   */
  async run(client: RedisClient, name: string, keys: readonly string[], args: readonly ScriptArg[]): Promise<unknown> {
    const script = this.get(name);
    if (keys.length !== script.numKeys) {
      throw new Error(`lua script ${name} takes ${script.numKeys} keys, got ${keys.length}`);
    }
    this.#batcher.hold(client);
    try {
      return await client.evalsha(script.sha, script.numKeys, ...keys, ...args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return await client.eval(script.source, script.numKeys, ...keys, ...args);
    }
  }

  /** `run` for scripts that reply with binary data (MessagePack): the reply comes back as a Buffer. */
  async runBuffer(client: RedisClient, name: string, keys: readonly string[], args: readonly ScriptArg[]): Promise<Buffer> {
    const script = this.get(name);
    if (keys.length !== script.numKeys) {
      throw new Error(`lua script ${name} takes ${script.numKeys} keys, got ${keys.length}`);
    }
    this.#batcher.hold(client);
    try {
      return await (client as unknown as BufferScripting).evalshaBuffer(script.sha, script.numKeys, ...keys, ...args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return await (client as unknown as BufferScripting).evalBuffer(script.source, script.numKeys, ...keys, ...args);
    }
  }

  /**
   * SCRIPT LOADs every script on every master so the first calls skip the NOSCRIPT detour.
   * Optional: `run` works without it.
   */
  async preload(client: RedisClient): Promise<void> {
    const nodes = isCluster(client) ? client.nodes('master') : [client];
    for (const node of nodes) {
      for (const script of this.#scripts.values()) {
        const sha = await node.script('LOAD', script.source);
        if (sha !== script.sha) throw new Error(`SCRIPT LOAD of ${script.name} returned ${String(sha)}, expected ${script.sha}`);
      }
    }
  }
}

/**
 * ioredis generates `<command>Buffer` variants of every command at runtime (Redis and Cluster), but
 * its typings omit `evalshaBuffer`/`evalBuffer`; and `callBuffer('EVALSHA', ...)` loses the command
 * name under auto-pipelining (ioredis 5.11). Hence this narrow cast.
 */
interface BufferScripting {
  evalshaBuffer(sha: string, numKeys: number, ...keysAndArgs: ScriptArg[]): Promise<Buffer>;
  evalBuffer(source: string, numKeys: number, ...keysAndArgs: ScriptArg[]): Promise<Buffer>;
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}
