import { describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { CounterFamily, HistogramFamily } from './recorders.js';

describe('metric recorders', () => {
  it('keeps one cell per label set, and prom-client writes it in the text format', async () => {
    const registry = new Registry();
    const counter = new CounterFamily('t_requests_total', 'Requests', ['code']);
    registry.registerMetric(counter as never);
    expect(counter.labels('ok')).toBe(counter.labels('ok'));
    counter.labels('ok').inc();
    counter.labels('ok').inc(2);
    counter.labels('not_found').inc();
    const text = await registry.metrics();
    expect(text).toContain('# TYPE t_requests_total counter');
    expect(text).toContain('t_requests_total{code="ok"} 3');
    expect(text).toContain('t_requests_total{code="not_found"} 1');
  });

  it('writes cumulative histogram buckets, +Inf, sum and count', async () => {
    const registry = new Registry();
    const histogram = new HistogramFamily('t_seconds', 'Durations', ['transport'], [0.1, 1]);
    registry.registerMetric(histogram as never);
    const cell = histogram.labels('rest');
    for (const value of [0.05, 0.1, 0.5, 3]) cell.observe(value);
    const lines = (await registry.metrics()).split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        '# TYPE t_seconds histogram',
        't_seconds_bucket{transport="rest",le="0.1"} 2',
        't_seconds_bucket{transport="rest",le="1"} 3',
        't_seconds_bucket{transport="rest",le="+Inf"} 4',
        't_seconds_sum{transport="rest"} 3.65',
        't_seconds_count{transport="rest"} 4',
      ]),
    );
  });
});
