import { context, trace, type Context } from '@opentelemetry/api';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import type { CommandArgs } from '@opentelemetry/instrumentation-ioredis';
import { defaultDbStatementSerializer } from '@opentelemetry/redis-common';

/** Property of an ioredis Command holding the context active when the command was queued in a pipeline. */
const QUEUED_CONTEXT = Symbol('sluice.otel.queuedContext');

type SendCommand = (this: unknown, ...args: unknown[]) => unknown;
interface CommandSender {
  sendCommand: SendCommand;
}

/**
 * Traces the commands of ioredis clients with @opentelemetry/instrumentation-ioredis, applied by hand
 * to the client's class. The SDK's usual path (a require hook installed before ioredis loads) cannot
 * work here: tracing starts inside the composition root, long after ESM imported ioredis.
 *
 * Contract:
 * - `instrument(client)` wraps `sendCommand`/`connect` on the client's prototype, so every client of
 *   that class (ioredis `Redis`, or `Cluster`) is traced; calling it again for the same class is a no-op.
 * - A command becomes a span (CLIENT, `db.system.name` redis) only when a span is active, so the
 *   background loops (stats, renew, scrape snapshot, inbox BLPOP) stay untraced and request
 *   commands nest under the request.
 * - Auto-pipelining sends a batch in a setImmediate of its first command, i.e. in that command's
 *   context. So each command remembers the context it was queued in (Pipeline#sendCommand is wrapped
 *   too) and is sent, and traced, in that context: a request's script is never lost in, nor a
 *   background command attributed to, someone else's batch.
 * - `dispose()` restores the original methods. The prototypes are process-wide: two traced routers
 *   in one process share the wrapping, and the first to stop unwraps it.
 */
export class RedisCommandTracing {
  readonly #instrumentation = new IORedisInstrumentation({ enabled: false, requireParentSpan: true, dbStatementSerializer: statementOf });
  /** Undo steps, run in reverse order by dispose(). */
  readonly #undo: (() => void)[] = [];
  readonly #patched = new Set<object>();

  constructor() {
    this.#instrumentation.setTracerProvider(trace.getTracerProvider());
  }

  instrument(client: object): void {
    const prototype = Object.getPrototypeOf(client) as CommandSender | null;
    if (prototype === null || this.#patched.has(prototype)) return;
    if (typeof prototype.sendCommand !== 'function') throw new TypeError('instrument(): not an ioredis client (no sendCommand on its prototype)');
    this.#patched.add(prototype);
    const definitions = this.#instrumentation.getModuleDefinitions();
    for (const definition of definitions) definition.patch?.({ prototype });
    this.#undo.push(() => {
      for (const definition of definitions) definition.unpatch?.({ prototype });
    });
    // Outermost: send (and trace) a pipelined command in the context it was queued in.
    const traced = prototype.sendCommand;
    prototype.sendCommand = function sendInQueuedContext(this: unknown, ...args: unknown[]): unknown {
      const queued = (args[0] as { [QUEUED_CONTEXT]?: Context } | undefined)?.[QUEUED_CONTEXT];
      return queued === undefined ? traced.apply(this, args) : context.with(queued, () => traced.apply(this, args));
    };
    this.#undo.push(() => {
      prototype.sendCommand = traced;
    });
    const pipeline = (client as { pipeline?: () => object }).pipeline?.();
    const pipelinePrototype = pipeline === undefined ? null : (Object.getPrototypeOf(pipeline) as CommandSender);
    if (pipelinePrototype === null || this.#patched.has(pipelinePrototype) || typeof pipelinePrototype.sendCommand !== 'function') return;
    this.#patched.add(pipelinePrototype);
    const queue = pipelinePrototype.sendCommand;
    pipelinePrototype.sendCommand = function queueWithContext(this: unknown, ...args: unknown[]): unknown {
      const command = args[0];
      if (typeof command === 'object' && command !== null) (command as { [QUEUED_CONTEXT]?: Context })[QUEUED_CONTEXT] = context.active();
      return queue.apply(this, args);
    };
    this.#undo.push(() => {
      pipelinePrototype.sendCommand = queue;
    });
  }

  dispose(): void {
    for (const undo of this.#undo.splice(0).reverse()) undo();
    this.#patched.clear();
  }
}

/**
 * `db.query.text` of a command. Scripts (EVAL/EVALSHA/FCALL) show the script id (for EVAL the body's
 * size), the key count and the keys, but not ARGV, which may hold hundreds of prefix-block hashes;
 * other commands use the library's default (values of writes are elided).
 */
function statementOf(name: string, args: CommandArgs): string {
  if (/^(evalsha|eval|evalsha_ro|eval_ro|fcall|fcall_ro)$/i.test(name) && args.length >= 2) {
    const numKeys = Number(args[1]);
    const keys = Number.isInteger(numKeys) && numKeys >= 0 ? args.slice(2, 2 + numKeys) : [];
    const rest = args.length - 2 - keys.length;
    // EVAL carries the whole script body (ioredis falls back to it after NOSCRIPT): show its size only.
    const script = /^eval/i.test(name) && !/^evalsha/i.test(name) ? `[script of ${String(args[0]).length} characters]` : String(args[0]);
    return [name, script, String(args[1]), ...keys.map(String), ...(rest > 0 ? [`[${rest} other arguments]`] : [])].join(' ');
  }
  return defaultDbStatementSerializer(name, args);
}
