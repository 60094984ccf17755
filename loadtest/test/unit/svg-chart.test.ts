import { describe, expect, it } from 'vitest';
import { niceTicks, renderLineChart } from '../../src/report/svg-chart.ts';

describe('SVG line chart', () => {
  it('picks 1-2-5 ticks covering the range', () => {
    expect(niceTicks(0, 9.3)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(0, 0.42)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(niceTicks(5, 5)[0]).toBeLessThan(5);
  });

  it('draws one polyline per series with a legend, skipping missing points', () => {
    const svg = renderLineChart({
      title: 'TTFT <vs> QPS',
      xLabel: 'QPS',
      yLabel: 's',
      series: [
        { name: 'direct', points: [[1, 0.1], [2, 0.5], [3, Number.NaN]] },
        { name: 'round-robin', points: [[1, 0.1], [2, 0.2], [3, 0.3]] },
      ],
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<polyline/gu)).toHaveLength(2);
    expect(svg.match(/<circle/gu)).toHaveLength(5);
    expect(svg).toContain('TTFT &lt;vs&gt; QPS');
    expect(svg).toContain('>round-robin</text>');
    expect(svg).not.toContain('NaN');
  });
});
