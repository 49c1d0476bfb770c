import { describe, expect, it } from 'vitest';
import { plainVerdict, pointState, type Analysis, type AnalysisSeries } from './verdict';

const errorSeries = (canary: number | null, baseline: number | null, status: string): AnalysisSeries => ({
  metric: 'error-rate',
  kind: 'error_rate',
  provider: 'router',
  critical: true,
  threshold: 0.05,
  maxChange: 0.01,
  direction: 'lower_is_better',
  points: [{ at: '2026-01-01T00:00:21Z', elapsedSeconds: 21, canary, baseline, canaryN: 79, baselineN: 861, pValue: 5.9e-4, status }],
});

const analysis = (verdict: string | null, state: string, series: AnalysisSeries[]): Analysis => ({
  state: 'running',
  canary: { version: '2.3.0' },
  baseline: { version: '2.2.0' },
  verdict: { cursor: 3, verdict, reason: 'engine reason' },
  steps: [{ cursor: 3, canaryStep: 0, weight: 10, state, windowSeconds: 60, elapsedSeconds: 21, remainingSeconds: 39, samples: { canary: 79, baseline: 861, min: 50 }, verdict, reason: 'engine reason', series }],
});

describe('the canary verdict in one sentence', () => {
  it.each<[string, Analysis, string, string]>([
    [
      'an abort on the allowed change',
      analysis('abort', 'ended', [errorSeries(0.038, 0, 'fail')]),
      'failed',
      'v2.3.0 failed 3.8% of requests against 0% on v2.2.0 — more than the allowed +1 point — so traffic went back to v2.2.0 after 21s.',
    ],
    [
      'an abort on the absolute limit',
      analysis('abort', 'ended', [{ ...errorSeries(0.07, 0.065, 'fail'), maxChange: 0.01 }]),
      'failed',
      'v2.3.0 failed 7% of requests against 6.5% on v2.2.0 — past the 5% limit — so traffic went back to v2.2.0 after 21s.',
    ],
    ['collecting evidence', analysis('wait', 'running', [errorSeries(0.002, 0.003, 'pending')]), 'running', 'So far 0.2% of requests failed against 0.3% on v2.2.0 at 10% of traffic; 39s of the 1m 00s window left.'],
    ['no measurement yet', analysis(null, 'running', [{ ...errorSeries(null, null, 'no_data') }]), 'running', 'v2.3.0 takes 10% of traffic; waiting for its first measurement against v2.2.0.'],
    ['a success', analysis('promote', 'passed', [errorSeries(0.002, 0.003, 'pass')]), 'succeeded', 'v2.3.0 passed every canary step (0.2% of requests failed against 0.3% on v2.2.0) and now serves all traffic.'],
  ])('%s', (_name, a, state, sentence) => {
    expect(plainVerdict(a, { state }).sentence).toBe(sentence);
  });

  it('colours a reading by its state against the rule, not by the metric’s setting', () => {
    const s = errorSeries(0.004, 0.003, 'pending');
    expect(pointState(s, s.points[0])).toBe('passing');
    const bad = errorSeries(0.03, 0.003, 'pending');
    expect(pointState(bad, bad.points[0])).toBe('failing');
    const none = errorSeries(null, 0.003, 'no_data');
    expect(pointState(none, none.points[0])).toBe('no data');
    expect(pointState(s, undefined)).toBe('no data');
  });
});
