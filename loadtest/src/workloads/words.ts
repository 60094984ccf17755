import type { Rng } from '../stats/rng.ts';

/**
 * Prompt text made of pseudo-words. Under @sluice/tokenizer's word rule one word is one token,
 * so a text of N words is exactly N prompt tokens. Words contain no whitespace.
 */
const ONSETS = ['b', 'd', 'f', 'g', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'z', 'br', 'st', 'tr', 'pl'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ou'];

export function randomWord(rng: Rng): string {
  const syllables = 1 + rng.int(1, 2);
  let word = '';
  for (let i = 0; i < syllables; i++) word += (ONSETS[rng.int(0, ONSETS.length - 1)] as string) + (VOWELS[rng.int(0, VOWELS.length - 1)] as string);
  return word;
}

/** `count` random words joined by single spaces ('' for 0). */
export function randomWords(rng: Rng, count: number): string {
  const words: string[] = [];
  for (let i = 0; i < count; i++) words.push(randomWord(rng));
  return words.join(' ');
}

/** Joins non-empty texts with one space. */
export function joinText(...parts: string[]): string {
  return parts.filter((p) => p.length > 0).join(' ');
}
