/**
 * Chained block hashes for the simulated prefix cache.
 *
 * A block's hash covers its parent block's hash and its own tokens, so equal hashes mean equal
 * prefixes up to and including that block (barring collisions of a 53-bit non-crypto hash, which
 * are harmless in a simulator). The root is seeded with the model name, as vLLM seeds its "none"
 * hash, so two models never share blocks.
 */

/** Hash of a string into two 32-bit lanes, returned as a non-negative 53-bit integer. */
export function hashString(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  return finish(h1, h2);
}

/** Root of every chain for `model`. */
export function rootBlockHash(model: string): number {
  return hashString(`sluice-sim-root:${model}`);
}

/**
 * Hash of one block: `parent` (a previous result of this function or {@link rootBlockHash}) and
 * the `count` tokens returned by `tokenAt(start) … tokenAt(start + count − 1)`.
 */
export function hashBlock(parent: number, tokenAt: (index: number) => string, start: number, count: number): number {
  let h1 = (parent >>> 0) ^ 0x5bd1e995;
  let h2 = Math.floor(parent / 4294967296) ^ 0x27d4eb2f;
  for (let t = start; t < start + count; t++) {
    const token = tokenAt(t);
    for (let i = 0; i < token.length; i++) {
      const c = token.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 2654435761);
      h2 = Math.imul(h2 ^ c, 1597334677);
    }
    // Token separator, so ["ab","c"] and ["a","bc"] differ.
    h1 = Math.imul(h1 ^ 0x1f, 2246822507);
    h2 = Math.imul(h2 ^ 0x1f, 3266489909);
  }
  return finish(h1, h2);
}

function finish(a: number, b: number): number {
  let h1 = a;
  let h2 = b;
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
