/**
 * Words the simulator "generates". Plain lowercase ASCII so they need no JSON escaping and the
 * word tokenizer counts each one as exactly one token.
 */
export const OUTPUT_VOCABULARY: readonly string[] = [
  'the', 'model', 'routes', 'tokens', 'through', 'a', 'queue', 'and', 'every', 'request', 'finds',
  'its', 'cache', 'block', 'before', 'decode', 'steps', 'run', 'in', 'batches', 'of', 'many',
  'sequences', 'while', 'prefill', 'chunks', 'share', 'one', 'budget', 'so', 'latency', 'grows',
  'with', 'load', 'until', 'memory', 'fills', 'then', 'older', 'work', 'waits', 'for', 'free',
  'space', 'on', 'this', 'server', 'answer', 'comes', 'back', 'fast', 'when', 'prefix', 'hits',
  'keep', 'compute', 'low', 'across', 'all', 'replicas', 'that', 'serve', 'traffic', 'today',
];

/** The `index`-th output word of a sequence whose words are drawn with `seed` (stateless, O(1)). */
export function outputWord(seed: number, index: number): string {
  let h = Math.imul(seed ^ 0x2545f491, 0x9e3779b1) ^ Math.imul(index + 0x68e31da4, 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return OUTPUT_VOCABULARY[(h >>> 0) % OUTPUT_VOCABULARY.length] as string;
}
