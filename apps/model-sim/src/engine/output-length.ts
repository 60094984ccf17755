import type { SeededRandom } from './rng.ts';

/** Bucket probabilities of the llm-d sim's "random" response length (reference §1.4). */
const BUCKET_WEIGHTS = [0.2, 0.3, 0.2, 0.05, 0.1, 0.15];
/** Width of buckets 1, 2, 3, 5 and 6 when max_tokens > 120; bucket 4 takes the rest. */
const NARROW_BUCKET = 20;

/**
 * How many tokens a request generates when it does not set ignore_eos (the "EOS" would come
 * earlier). Deterministic for a seeded RNG; always in [1, maxTokens].
 * - With an explicit max_tokens: the sim's 6-bucket histogram (20/30/20/5/10/15 %), equal buckets
 *   when max_tokens ≤ 120, otherwise 20-token buckets at both ends and bucket 4 in the middle.
 * - Without: normal(40, 20), clamped to [1, maxTokens].
 * ignore_eos → exactly maxTokens.
 */
export function drawOutputLength(rng: SeededRandom, maxTokens: number, explicitMaxTokens: boolean, ignoreEos: boolean): number {
  if (ignoreEos || maxTokens <= 1) return Math.max(1, maxTokens);
  if (!explicitMaxTokens) return clamp(Math.round(rng.normal(40, 20)), 1, maxTokens);
  const u = rng.next();
  let bucket = 0;
  let acc = BUCKET_WEIGHTS[0] as number;
  while (u >= acc && bucket < BUCKET_WEIGHTS.length - 1) acc += BUCKET_WEIGHTS[++bucket] as number;
  const [low, high] = bucketRange(bucket, maxTokens);
  return clamp(rng.int(low, high), 1, maxTokens);
}

function bucketRange(bucket: number, maxTokens: number): [number, number] {
  if (maxTokens <= 120) {
    const width = maxTokens / BUCKET_WEIGHTS.length;
    return [Math.max(1, Math.floor(bucket * width) + 1), Math.max(1, Math.floor((bucket + 1) * width))];
  }
  // Buckets 0..2 from the bottom, 4..5 from the top, 3 in between.
  if (bucket <= 2) return [bucket * NARROW_BUCKET + 1, (bucket + 1) * NARROW_BUCKET];
  if (bucket === 3) return [3 * NARROW_BUCKET + 1, maxTokens - 2 * NARROW_BUCKET];
  const fromTop = BUCKET_WEIGHTS.length - bucket; // bucket 4 → 2, bucket 5 → 1
  return [maxTokens - fromTop * NARROW_BUCKET + 1, maxTokens - (fromTop - 1) * NARROW_BUCKET];
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
