import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SCENARIO_DIR, loadScenarioFile, parseScenario } from '../../src/scenario/load-scenario.ts';
import { ScenarioError } from '../../src/scenario/reader.ts';

function problems(yaml: string): string[] {
  try {
    parseScenario(yaml, 'test.yaml');
  } catch (error) {
    if (error instanceof ScenarioError) return error.problems;
    throw error;
  }
  return [];
}

describe('scenario validation', () => {
  it('every checked-in scenario loads', () => {
    const files = readdirSync(SCENARIO_DIR).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const file of files) expect(loadScenarioFile(`${SCENARIO_DIR}/${file}`).name).toBe(file.replace(/\.yaml$/u, ''));
  });

  it('names the path of every bad field at once', () => {
    const found = problems(`
name: bad
workload: { type: shared-prefix, numGroups: 0, promptPerGroup: 5, systemPromptLen: 10, questionLen: 5, outputLen: 5 }
load:
  stages:
    - { type: poisson, rate: 2, duration: 10 }
    - { type: poisson, rate: -1, duration: 10 }
    - { type: gamma, rate: 1, duration: 5, burstiness: zero }
    - { type: warp, rate: 1 }
report: { goodput: { ttft: 0 } }
`);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^workload\.promptPerGroup: unknown field/u),
        expect.stringMatching(/^workload\.promptsPerGroup: is required/u),
        expect.stringMatching(/^workload\.numGroups: must be an integer ≥ 1, got 0/u),
        expect.stringMatching(/^load\.stages\[1\]\.rate: must be a number > 0, got -1/u),
        expect.stringMatching(/^load\.stages\[2\]\.burstiness: must be a number > 0, got "zero"/u),
        expect.stringMatching(/^load\.stages\[3\]\.type: must be one of constant, poisson, gamma, concurrent, trace, got "warp"/u),
        expect.stringMatching(/^report\.goodput\.ttft: must be a number > 0, got 0/u),
      ]),
    );
  });

  it('validates mix entries with indexed paths and rejects nested mixes', () => {
    const found = problems(`
name: mix
workload:
  type: mix
  entries:
    - { name: a, weight: 1, tenant: a, workload: { type: random, inputLen: 10, outputLen: 5 } }
    - { name: b, weight: 0, tenant: b, workload: { type: mix, entries: [] } }
load: { stages: [{ type: concurrent, numRequests: 1, concurrency: 1 }] }
`);
    expect(found).toEqual(expect.arrayContaining([expect.stringMatching(/^workload\.entries\[1\]\.weight: must be a number > 0/u), expect.stringMatching(/^workload\.entries\[1\]\.workload\.type: mixes cannot be nested/u)]));
  });

  it('trace stages read a CSV next to the scenario (Azure trace timestamps), sped up', () => {
    const scenario = loadScenarioFile(fileURLToPath(new URL('../fixtures/trace-scenario.yaml', import.meta.url)));
    const stage = scenario.load.stages[0];
    expect(stage?.type).toBe('trace');
    const offsets = stage?.type === 'trace' ? stage.offsets : [];
    expect(offsets[0]).toBe(0);
    expect(offsets[1]).toBeCloseTo((50.995169 - 46.68059) / 2, 3);
    expect(offsets[2]).toBeCloseTo((51.58066 - 46.68059) / 2, 3);
  });

  it('reports YAML syntax errors and a missing root section', () => {
    expect(problems('name: [')[0]).toMatch(/^YAML:/u);
    expect(problems('name: x')).toContain('load: is required');
  });
});
