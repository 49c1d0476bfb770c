import { describe, expect, it } from 'vitest';
import {
  HISTOGRAM_BUCKETS,
  LATENCY_BOUNDS_MS,
  RETENTION_BUCKETS,
  RouterMetrics,
  bucketIndex,
  combinedPrometheusText,
  histogramQuantile,
} from './metrics';

function clock(startMs: number) {
  const c = { t: startMs, now: () => c.t };
  return c;
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A strict-enough parser for text format 0.0.4: every line is a comment or a sample. */
function parseProm(text: string): { samples: Sample[]; types: Map<string, string> } {
  expect(text.endsWith('\n')).toBe(true);
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      expect(types.has(name!)).toBe(false); // a family is declared once
      types.set(name!, type!);
      continue;
    }
    if (line.startsWith('# HELP ')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*)\} (\S+)$/.exec(line);
    expect(m, `unparseable line: ${line}`).not.toBeNull();
    const labels: Record<string, string> = {};
    for (const lm of m![2]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\.)*)"/g)) {
      labels[lm[1]!] = lm[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    }
    const raw = m![3]!;
    const value = raw === '+Inf' ? Infinity : Number(raw);
    expect(Number.isNaN(value), `bad value in: ${line}`).toBe(false);
    samples.push({ name: m![1]!, labels, value });
  }
  return { samples, types };
}

describe('histogram helpers', () => {
  it('puts a latency in the first bucket whose bound is ≥ it, else +Inf', () => {
    expect(bucketIndex(0)).toBe(0);
    expect(bucketIndex(0.5)).toBe(0);
    expect(bucketIndex(0.51)).toBe(1);
    expect(bucketIndex(7.5)).toBe(LATENCY_BOUNDS_MS.indexOf(7.5));
    expect(bucketIndex(5000)).toBe(LATENCY_BOUNDS_MS.length - 1);
    expect(bucketIndex(5000.1)).toBe(HISTOGRAM_BUCKETS - 1);
    expect(bucketIndex(Number.NaN)).toBe(HISTOGRAM_BUCKETS - 1);
  });

  it('estimates quantiles by interpolating inside a bucket', () => {
    const counts = new Float64Array(HISTOGRAM_BUCKETS);
    expect(histogramQuantile(counts, 0.5)).toBe(0);
    counts[bucketIndex(15)] = 10; // 10 samples in (10, 15]
    expect(histogramQuantile(counts, 0.5)).toBeCloseTo(12.5, 6);
    expect(histogramQuantile(counts, 1)).toBeCloseTo(15, 6);
    expect(histogramQuantile(counts, 0.5, 11)).toBe(11); // capped by the observed max
    counts[HISTOGRAM_BUCKETS - 1] = 90;
    expect(histogramQuantile(counts, 0.99, 8000)).toBe(8000); // +Inf answers the max
  });
});

describe('RouterMetrics windows', () => {
  it('computes percentiles over known latencies on a controlled clock', () => {
    const c = clock(1_700_000_000_000);
    const m = new RouterMetrics({ now: c.now });
    // 1..100 ms spread over 4 seconds
    for (let i = 1; i <= 100; i++) {
      c.t = 1_700_000_000_000 + Math.floor((i - 1) / 25) * 1000 + 17;
      m.record('v1', 200, i);
    }
    const l = m.latency(1_700_000_000_000, 1_700_000_004_000)['v1']!;
    expect(l.count).toBe(100);
    // uniform latencies: bucket interpolation is exact here
    expect(l.p50).toBeCloseTo(50, 6);
    expect(l.p95).toBeCloseTo(95, 6);
    expect(l.p99).toBeCloseTo(99, 6);

    // only the first second (latencies 1..25)
    const first = m.latency(1_700_000_000_000, 1_700_000_001_000)['v1']!;
    expect(first.count).toBe(25);
    expect(first.p99).toBeLessThanOrEqual(25);
    expect(first.p50).toBeGreaterThan(10);
    expect(first.p50).toBeLessThanOrEqual(15);
  });

  it('caps identical latencies at the observed max and reports the max for +Inf', () => {
    const c = clock(5_000_000);
    const m = new RouterMetrics({ now: c.now });
    for (let i = 0; i < 50; i++) m.record('same', 200, 12);
    for (let i = 0; i < 10; i++) m.record('slow', 200, 6500);
    const l = m.latency(0, Infinity);
    expect(l['same']).toEqual({ p50: 12, p95: 12, p99: 12, count: 50 });
    expect(l['slow']!.p99).toBe(6500);
  });

  it('counts requests, non-2xx and 5xx and excludes buckets outside the window', () => {
    const base = 2_000_000_000_000; // a whole second
    const c = clock(base);
    const m = new RouterMetrics({ now: c.now });
    const at = (offsetMs: number, status: number, n = 1) => {
      c.t = base + offsetMs;
      for (let i = 0; i < n; i++) m.record('v1', status, 1);
    };
    at(100, 200, 5); // second 0
    at(1_200, 200, 3); // second 1
    at(1_300, 404);
    at(1_999, 503);
    at(10_500, 200, 2); // second 10
    at(10_600, 500);
    c.t = base + 11_000;
    m.record('v2', 200, 1); // second 11, other version

    expect(m.traffic(base, base + 1000)).toEqual({ v1: { requests: 5, errors: 0, serverErrors: 0 } });
    expect(m.traffic(base + 1000, base + 2000)).toEqual({ v1: { requests: 5, errors: 2, serverErrors: 1 } });
    expect(m.traffic(base, base + 2000)).toEqual({ v1: { requests: 10, errors: 2, serverErrors: 1 } });
    expect(m.traffic(base + 2000, base + 10_000)).toEqual({});
    expect(m.traffic(base + 10_000, base + 12_000)).toEqual({
      v1: { requests: 3, errors: 1, serverErrors: 1 },
      v2: { requests: 1, errors: 0, serverErrors: 0 },
    });
    // a window edge inside a second includes that whole second (1 s resolution)
    expect(m.traffic(base + 1500, base + 1600)['v1']!.requests).toBe(5);
    expect(m.traffic(base, base)).toEqual({});
  });

  it('forgets buckets older than 15 minutes and reuses ring slots', () => {
    const base = 3_000_000_000_000;
    const c = clock(base);
    const m = new RouterMetrics({ now: c.now });
    m.record('v1', 200, 1);
    expect(m.traffic(base, base + 1000)['v1']!.requests).toBe(1);

    // exactly one ring length later the same slot is reused for a new second
    c.t = base + RETENTION_BUCKETS * 1000;
    m.record('v1', 500, 1);
    m.record('v1', 500, 1);
    expect(m.traffic(base, base + 1000)).toEqual({});
    expect(m.traffic(0, Infinity)).toEqual({ v1: { requests: 2, errors: 2, serverErrors: 2 } });

    // nothing recorded for 15 minutes: the window is empty, cumulative counters remain
    c.t += RETENTION_BUCKETS * 1000;
    expect(m.traffic(0, Infinity)).toEqual({});
    expect(m.latency(0, Infinity)).toEqual({});
    expect(m.prometheusText('svc')).toContain(
      'flightdeck_requests_total{service="svc",version="v1",code_class="5xx"} 2',
    );
  });
});

describe('Prometheus exposition', () => {
  it('renders cumulative counters and a well-formed histogram', () => {
    const c = clock(4_000_000_000_000);
    const m = new RouterMetrics({ now: c.now });
    const latencies = [0.2, 0.7, 3, 3, 12, 80, 450, 4000, 9000];
    for (const ms of latencies) m.record('v1', 200, ms);
    m.record('v1', 302, 1);
    m.record('v1', 404, 1);
    m.record('v1', 502, 1);
    m.record('weird "v"\\2', 200, 1);
    c.t += 3_600_000; // cumulative: unaffected by the window
    const text = m.prometheusText('api "gw"');
    const { samples, types } = parseProm(text);

    expect(types.get('flightdeck_requests_total')).toBe('counter');
    expect(types.get('flightdeck_request_duration_seconds')).toBe('histogram');

    const reqs = samples.filter((s) => s.name === 'flightdeck_requests_total' && s.labels.version === 'v1');
    expect(Object.fromEntries(reqs.map((s) => [s.labels.code_class, s.value]))).toEqual({
      '2xx': latencies.length,
      '3xx': 1,
      '4xx': 1,
      '5xx': 1,
    });
    expect(reqs.every((s) => s.labels.service === 'api "gw"')).toBe(true);

    for (const version of ['v1', 'weird "v"\\2']) {
      const buckets = samples.filter(
        (s) => s.name === 'flightdeck_request_duration_seconds_bucket' && s.labels.version === version,
      );
      expect(buckets.map((b) => b.labels.le)).toEqual([
        ...LATENCY_BOUNDS_MS.map((ms) => String(ms / 1000)),
        '+Inf',
      ]);
      const les = buckets.map((b) => (b.labels.le === '+Inf' ? Infinity : Number(b.labels.le)));
      for (let i = 1; i < buckets.length; i++) {
        expect(les[i]!).toBeGreaterThan(les[i - 1]!);
        expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
      }
      const count = samples.find(
        (s) => s.name === 'flightdeck_request_duration_seconds_count' && s.labels.version === version,
      )!;
      expect(buckets.at(-1)!.value).toBe(count.value);
    }

    const v1Buckets = samples.filter(
      (s) => s.name === 'flightdeck_request_duration_seconds_bucket' && s.labels.version === 'v1',
    );
    const le = (x: string) => v1Buckets.find((b) => b.labels.le === x)!.value;
    expect(le('0.0005')).toBe(1); // 0.2
    expect(le('0.001')).toBe(5); // + 0.7 and three 1 ms
    expect(le('0.003')).toBe(7);
    expect(le('5')).toBe(11);
    expect(le('+Inf')).toBe(12);
    const sum = samples.find(
      (s) => s.name === 'flightdeck_request_duration_seconds_sum' && s.labels.version === 'v1',
    )!;
    expect(sum.value).toBeCloseTo((latencies.reduce((a, b) => a + b, 0) + 3) / 1000, 9);
  });

  it('declares each family once when several services are combined', () => {
    const a = new RouterMetrics();
    const b = new RouterMetrics();
    a.record('v1', 200, 1);
    b.record('v7', 500, 1);
    const { samples } = parseProm(
      combinedPrometheusText([
        { service: 'a', metrics: a },
        { service: 'b', metrics: b },
      ]),
    );
    const totals = samples.filter((s) => s.name === 'flightdeck_requests_total');
    expect(totals.map((s) => `${s.labels.service}/${s.labels.version}/${s.labels.code_class}=${s.value}`)).toEqual([
      'a/v1/2xx=1',
      'a/v1/3xx=0',
      'a/v1/4xx=0',
      'a/v1/5xx=0',
      'b/v7/2xx=0',
      'b/v7/3xx=0',
      'b/v7/4xx=0',
      'b/v7/5xx=1',
    ]);
  });
});
