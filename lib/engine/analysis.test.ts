import { describe, expect, it } from 'vitest';
import { defaultMetrics, evaluateAnalysis, validateAnalysisConfig, type AnalysisInput, type MetricReading } from './analysis';
import { binomialSurvival, conditionalBinomialTest, mannWhitneyBinned } from './stats';
import { expectAppError } from '../testing/engine';

const config = validateAnalysisConfig({});
const T0 = 1_000_000;

function hist(bin: number, n: number, bins = 22): number[] {
  const h = new Array<number>(bins).fill(0);
  h[bin] = n;
  return h;
}

function readings(o: { cn: number; ce: number; bn: number; be: number; cLat?: number; bLat?: number }): MetricReading[] {
  const cBin = o.cLat ?? 2;
  const bBin = o.bLat ?? 2;
  return [
    {
      name: 'error-rate',
      canary: { value: o.cn ? o.ce / o.cn : null, requests: o.cn, errors: o.ce },
      baseline: { value: o.bn ? o.be / o.bn : null, requests: o.bn, errors: o.be },
    },
    {
      name: 'latency-p95',
      canary: { value: o.cn ? [1, 2, 3, 5, 300, 500][Math.min(cBin, 5)]! : null, histogram: hist(cBin, o.cn) },
      baseline: { value: o.bn ? [1, 2, 3, 5, 300, 500][Math.min(bBin, 5)]! : null, histogram: hist(bBin, o.bn) },
    },
  ];
}

function at(seconds: number, r: MetricReading[], cn: number, bn: number, extra: Partial<AnalysisInput> = {}) {
  return evaluateAnalysis({ startedAt: T0, now: T0 + seconds * 1000, windowSeconds: 300, minSamples: 100, samples: { canary: cn, baseline: bn }, config, readings: r, ...extra });
}

describe('evaluateAnalysis', () => {
  it.each<[string, number, Parameters<typeof readings>[0], string]>([
    ['healthy before the window ends waits', 299, { cn: 3000, ce: 3, bn: 27000, be: 27 }, 'wait'],
    ['healthy at the window end promotes', 300, { cn: 3000, ce: 3, bn: 27000, be: 27 }, 'promote'],
    ['5% errors aborts early', 15, { cn: 150, ce: 8, bn: 1350, be: 1 }, 'abort'],
    ['4 early errors are not yet trusted', 5, { cn: 40, ce: 4, bn: 360, be: 0 }, 'wait'],
    ['too few requests at the deadline is inconclusive', 300, { cn: 30, ce: 0, bn: 270, be: 0 }, 'inconclusive'],
    ['no canary traffic at the deadline is inconclusive', 300, { cn: 0, ce: 0, bn: 1000, be: 0 }, 'inconclusive'],
    ['a ceiling breach at the end aborts', 300, { cn: 3000, ce: 180, bn: 27000, be: 1350 }, 'abort'],
    ['+300 ms latency aborts early', 10, { cn: 100, ce: 0, bn: 900, be: 0, cLat: 4 }, 'abort'],
    ['latency too few samples early waits', 2, { cn: 20, ce: 0, bn: 180, be: 0, cLat: 4 }, 'wait'],
  ])('%s', (_name, seconds, o, verdict) => {
    const d = at(seconds, readings(o), o.cn, o.bn);
    expect(d.verdict, d.reason).toBe(verdict);
  });

  it('names metric, values, samples and significance in an abort', () => {
    const d = at(15, readings({ cn: 150, ce: 8, bn: 1350, be: 1 }), 150, 1350);
    expect(d.decisive).toBe('error-rate');
    expect(d.reason).toMatch(/error-rate: canary error rate 5\.33% vs baseline 0\.07% \(n=150 vs 1350, p=.*\) < 0\.001/);
    expect(d.reason).toMatch(/285 s of the 300 s window left/);
  });

  it('never promotes with a metric that has no data', () => {
    const r = readings({ cn: 3000, ce: 0, bn: 27000, be: 0 });
    r[1] = { name: 'latency-p95', canary: { value: null }, baseline: { value: null }, error: 'provider down' };
    const d = at(400, r, 3000, 27000);
    expect(d.verdict).toBe('inconclusive');
    expect(d.reason).toMatch(/latency-p95: no data \(provider down\)/);
  });

  it('a failed non-critical metric pauses instead of promoting', () => {
    const cfg = validateAnalysisConfig({
      metrics: [{ name: 'queue', provider: 'web', url: 'http://x/{{cohort}}', path: 'v', threshold: 10, critical: false }],
    });
    const r: MetricReading[] = [{ name: 'queue', canary: { value: 50 }, baseline: { value: 1 } }];
    expect(at(100, r, 1000, 1000, { config: cfg }).verdict).toBe('wait');
    expect(at(300, r, 1000, 1000, { config: cfg }).verdict).toBe('inconclusive');
  });

  it('value-only metrics abort early after consecutive breaches only', () => {
    const cfg = validateAnalysisConfig({
      metrics: [{ name: 'p99', provider: 'prometheus', address: 'http://127.0.0.1:9090', query: 'x{version="{{version}}"}', threshold: 0.5 }],
    });
    const r: MetricReading[] = [{ name: 'p99', canary: { value: 0.9 }, baseline: { value: 0.1 } }];
    expect(at(30, r, 1000, 1000, { config: cfg, priorBreaches: { p99: 1 } }).verdict).toBe('wait');
    expect(at(40, r, 1000, 1000, { config: cfg, priorBreaches: { p99: 2 } }).verdict).toBe('abort');
    const ok: MetricReading[] = [{ name: 'p99', canary: { value: 0.2 }, baseline: { value: 0.1 } }];
    expect(at(300, ok, 1000, 1000, { config: cfg }).verdict).toBe('promote');
  });
});

describe('validateAnalysisConfig', () => {
  it('defaults to router error rate and p95 latency', () => {
    expect(validateAnalysisConfig(undefined)).toEqual({ metrics: defaultMetrics(), alpha: 0.001, webhooks: [] });
  });
  it.each<[unknown, string]>([
    [{ bogus: 1 }, 'unknown analysis key: bogus'],
    [{ metrics: [] }, 'analysis.metrics must be a non-empty list'],
    [{ metrics: [{ name: 'x', provider: 'router', kind: 'custom' }] }, 'a custom metric needs provider prometheus or web'],
    [{ metrics: [{ name: 'x', provider: 'prometheus', threshold: 1 }] }, 'analysis.metrics[0].query (PromQL) is required'],
    [{ metrics: [{ name: 'x', provider: 'prometheus', query: 'up', address: 'ftp://x', threshold: 1 }] }, 'analysis.metrics[0].address must be an http(s) URL'],
    [{ metrics: [{ name: 'x', provider: 'web', url: 'http://x', path: 'a..b', threshold: 1 }] }, 'analysis.metrics[0].path must be a JSON path'],
    [{ metrics: [{ name: 'x', provider: 'web', url: 'http://x', path: 'a' }] }, 'needs a threshold and/or a maxChange'],
    [{ metrics: [{ name: 'x', kind: 'error_rate', threshold: 5 }] }, 'threshold is an error rate, 0..1'],
    [{ metrics: [{ name: 'x', kind: 'latency', percentile: 10 }] }, 'percentile must be between 50 and 99.9'],
    [{ metrics: [{ name: 'x', kind: 'error_rate' }, { name: 'x', kind: 'latency' }] }, 'the name "x" is used twice'],
    [{ metrics: [{ name: 'x', kind: 'error_rate', critical: 'yes' }] }, 'critical must be true or false'],
    [{ intervalSeconds: 0 }, 'analysis.intervalSeconds must be between 0.1 and 600'],
    [{ webhooks: [{ url: 'http://x', format: 'teams' }] }, 'analysis.webhooks[0].format must be json or slack'],
    [{ windowSeconds: -1 }, 'analysis.windowSeconds must be a number > 0'],
  ])('%j is refused', (raw, message) => {
    expectAppError(() => validateAnalysisConfig(raw), 'invalid', message);
  });
});

describe('mannWhitneyBinned', () => {
  it.each<[number[], number[], (p: number) => boolean]>([
    [[0, 100, 0], [0, 900, 0], (p) => p === 1], // all tied
    [[0, 0, 100], [0, 900, 0], (p) => p < 1e-10], // canary slower
    [[100, 0, 0], [0, 900, 0], (p) => p > 0.99], // canary faster
    [[50, 50, 0], [450, 450, 0], (p) => p > 0.3 && p < 0.7], // same mix
    [[0, 0, 0], [1, 2, 3], (p) => p === 1],
  ])('%j vs %j', (a, b, ok) => {
    const { pValue } = mannWhitneyBinned(a, b);
    expect(ok(pValue), String(pValue)).toBe(true);
  });
});

describe('binomial tests', () => {
  it.each<[number, number, number, number]>([
    [0, 10, 0.3, 1],
    [11, 10, 0.3, 0],
    [3, 4, 0.0986, 0.00355],
    [5, 16, 0.08, 0.0068],
    [1, 1, 0.5, 0.5],
    [6, 10, 0.5, 0.376953125],
    [2, 10, 0.5, 0.9892578125],
  ])('P(Bin(%d of %d, %d)) ≥ k', (k, n, p, expected) => {
    expect(binomialSurvival(k, n, p)).toBeCloseTo(expected, 3);
  });
  it('the conditional test is not fooled by 3 rare errors', () => {
    expect(conditionalBinomialTest(3, 265, 1, 2422).pValue).toBeGreaterThan(0.001);
    expect(conditionalBinomialTest(10, 100, 0, 900).pValue).toBeLessThan(1e-8);
    expect(conditionalBinomialTest(0, 100, 0, 900).pValue).toBe(1);
  });
});
