// One measured loop of `npm run bench:gc-patterns`, run in its own process under
// `node --trace-gc-nvp` (the parent reads V8's per-scavenge `promoted=` bytes from stdout).
// Each iteration stands in for one request: it allocates a 200-object working set and builds the
// per-request object of PATTERN next to it; nothing outlives the iteration. Prints one JSON line
// `{"iterations": N}` at the end. Usage: `tsx gc-pattern-loop.ts PATTERN DURATION_MS`.
import { ClientAbort } from '../http/client-abort.ts';

const pattern = process.argv[2] ?? 'baseline';
const durationMs = Number(process.argv[3] ?? '2000');

class HeadersHolder {
  readonly #work: readonly { k: number }[];
  constructor(work: readonly { k: number }[]) {
    this.#work = work;
  }
  get size(): number {
    return this.#work.length;
  }
}

/** One "request": returns a number so that nothing is optimised away. */
function iteration(): number {
  const work = Array.from({ length: 200 }, (_, k) => ({ k }));
  switch (pattern) {
    case 'baseline':
      return work.length;
    case 'literal-getter': {
      let cached: number | undefined;
      const ctx = {
        id: 1,
        get size() {
          return (cached ??= work.length);
        },
      };
      return ctx.id;
    }
    case 'class-getter':
      return new HeadersHolder(work).size > 0 ? 1 : 0;
    case 'abort-signal':
      return new AbortController().signal.aborted ? 0 : work.length;
    case 'client-abort': {
      const abort = new ClientAbort();
      const onAbort = (): number => work.length;
      abort.addEventListener('abort', onAbort);
      abort.removeEventListener('abort', onAbort);
      return abort.aborted ? 0 : 1;
    }
    default:
      throw new Error(`unknown pattern ${pattern}`);
  }
}

let iterations = 0;
let sink = 0;
const started = performance.now();
while (performance.now() - started < durationMs) {
  for (let i = 0; i < 100; i++) sink += iteration();
  iterations += 100;
  // Yield like a server between requests.
  await new Promise((resolve) => setImmediate(resolve));
}
console.log(JSON.stringify({ iterations, sink: sink > 0 }));
