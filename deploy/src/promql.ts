/**
 * Metric names referenced by a PromQL expression (or a Grafana `label_values(metric, label)`
 * query): label matchers `{…}`, range selectors `[…]`, `by/without (…)` label lists, strings and
 * numbers are removed; the remaining identifiers that are not PromQL functions, aggregations or
 * keywords are metric names. Covers the PromQL subset dashboards use (no `@`/offset modifiers
 * on identifiers, no subqueries with names inside brackets).
 */
export function metricNamesInPromQL(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\blabel_values\(\s*([a-zA-Z_:][\w:]*)\s*,\s*[\w]+\s*\)/g, ' $1 ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/(?<![\w:.$])[a-zA-Z_:][\w:]*/g)) {
    const word = match[0];
    const next = stripped.slice((match.index ?? 0) + word.length).trimStart();
    if (PROMQL_WORDS.has(word) || next.startsWith('(')) continue; // functions are followed by "("
    names.add(word);
  }
  return [...names].sort();
}

const PROMQL_WORDS = new Set([
  'sum', 'min', 'max', 'avg', 'count', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values', 'group',
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan', 'Inf', 'NaN',
]);
