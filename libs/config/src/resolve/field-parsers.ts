import { parseConfigDuration } from '../parse/duration.ts';
import { parseCountQuantity } from '../parse/quantity.ts';
import type { IssueCollector, PathSegments } from '../issues.ts';

/**
 * Field readers used by the resolvers: each returns the parsed value, or `fallback` when the field
 * is absent. An invalid value is reported (with its path) and also yields `fallback`, so resolving
 * can continue and report every issue; the collected issues stop start-up.
 */

/** A quantity field → whole non-negative number (bytes or count). */
export function readQuantity(value: unknown, path: PathSegments, issues: IssueCollector, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = parseCountQuantity(value);
  if (!parsed.ok) {
    issues.add(path, parsed.message);
    return fallback;
  }
  return parsed.value;
}

/** A quantity field that must be > 0 when set (a per-band limit cannot be zero). */
export function readPositiveQuantity(value: unknown, path: PathSegments, issues: IssueCollector, fallback: number): number {
  const parsed = readQuantity(value, path, issues, fallback);
  if (value !== undefined && parsed === 0) {
    issues.add(path, `must be > 0, got ${JSON.stringify(value)}`);
    return fallback;
  }
  return parsed;
}

/** A Go-duration field → milliseconds (>= 0). */
export function readDuration(value: unknown, path: PathSegments, issues: IssueCollector, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = parseConfigDuration(value);
  if (!parsed.ok) {
    issues.add(path, parsed.message);
    return fallback;
  }
  return parsed.value;
}

/** Like readDuration, but 0 is rejected (intervals, timeouts). */
export function readPositiveDuration(value: unknown, path: PathSegments, issues: IssueCollector, fallback: number): number {
  const parsed = readDuration(value, path, issues, fallback);
  if (value !== undefined && parsed === 0) {
    issues.add(path, `must be > 0, got ${JSON.stringify(value)}`);
    return fallback;
  }
  return parsed;
}

/** Reports the second and later occurrences of a key, pointing at the first. */
export function checkUnique<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  pathOf: (index: number) => PathSegments,
  what: string,
  issues: IssueCollector,
  firstPathLabel: (index: number) => string,
): void {
  const first = new Map<string, number>();
  items.forEach((item, index) => {
    const key = keyOf(item);
    const seen = first.get(key);
    if (seen === undefined) first.set(key, index);
    else issues.add(pathOf(index), `duplicate ${what} ${JSON.stringify(key)} (first at ${firstPathLabel(seen)})`);
  });
}

/** True when `text` parses as an http: or https: URL. */
export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
