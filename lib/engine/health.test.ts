import { describe, expect, it } from 'vitest';
import { assessHealth, readinessSeconds } from './health';
import { DEFAULTS } from './types';
import type { HealthPolicy, InstanceHealth, Probe } from './types';
import { expectAppError } from '../testing/engine';

const START = 1_700_000_000_000;
const policy = (over: Partial<HealthPolicy> = {}): HealthPolicy => ({ ...DEFAULTS.health, ...over });
/** Probes at the given seconds after START; `pattern` is a string of '+' (ok) and '-' (failed). */
const probesAt = (seconds: number[], pattern: string): Probe[] =>
  seconds.map((s, i) => ({ at: START + s * 1000, ok: pattern[i] === '+' }));

describe('assessHealth: the 45-second warm-up (test_health_check_grace_period)', () => {
  // Probes every 5 s; the instance answers from 45 s on.
  const times = Array.from({ length: 24 }, (_, i) => (i + 1) * 5); // 5 … 120
  const probes: Probe[] = times.map((s) => ({ at: START + s * 1000, ok: s >= 45 }));
  const statusAt = (grace: number, seconds: number): InstanceHealth['status'] =>
    assessHealth({
      probes: probes.filter((p) => p.at <= START + seconds * 1000),
      startedAt: START,
      now: START + seconds * 1000,
      policy: policy({ gracePeriodSeconds: grace }),
    }).status;

  it('grace 60 s: starting until 45 s, then ready — never unhealthy on the way', () => {
    for (const s of times) expect(statusAt(60, s), `at ${s} s`).toBe(s < 45 ? 'starting' : 'ready');
  });

  it('grace 0 s: unhealthy after the third failed probe (15 s)', () => {
    expect(statusAt(0, 10)).toBe('starting');
    expect(statusAt(0, 15)).toBe('unhealthy');
    expect(
      assessHealth({ probes: probesAt([5, 10, 15], '---'), startedAt: START, now: START + 15_000, policy: policy({ gracePeriodSeconds: 0 }) })
        .reason,
    ).toBe('3 consecutive failed probes after the 0 s grace period (unhealthy threshold 3)');
  });
});

describe('assessHealth', () => {
  it.each<[string, Partial<HealthPolicy>, number[], string, number, InstanceHealth['status']]>([
    // name, policy, probe times (s), results, now (s), expected
    ['no probes yet', {}, [], '', 3, 'starting'],
    ['first ok probe, threshold 1', {}, [5], '+', 5, 'ready'],
    ['ok inside the grace period counts', { healthyThreshold: 2 }, [5, 10], '++', 10, 'ready'],
    ['healthy threshold 2 needs two in a row', { healthyThreshold: 2 }, [65, 70], '-+', 70, 'starting'],
    ['grace failure between two oks does not reset the run', { healthyThreshold: 2 }, [10, 20, 30], '+-+', 30, 'ready'],
    ['after grace a failure resets the run', { healthyThreshold: 2 }, [65, 70, 75], '+-+', 75, 'starting'],
    ['failures inside grace never count', {}, [5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55], '-----------', 58, 'starting'],
    ['two failures after grace: not yet', {}, [65, 70], '--', 70, 'starting'],
    ['three failures after grace: unhealthy', {}, [65, 70, 75], '---', 75, 'unhealthy'],
    ['grace failures do not add to post-grace ones', {}, [50, 55, 65, 70], '----', 70, 'starting'],
    ['failure exactly at the end of grace counts', {}, [60, 65, 70], '---', 70, 'unhealthy'],
    ['ready instance that starts failing', {}, [5, 65, 70, 75], '+---', 75, 'unhealthy'],
    ['unhealthy instance that recovers', {}, [65, 70, 75, 80], '---+', 80, 'ready'],
    ['unhealthy threshold 1', { unhealthyThreshold: 1 }, [61], '-', 61, 'unhealthy'],
  ])('%s', (_name, over, seconds, pattern, now, expected) => {
    const result = assessHealth({ probes: probesAt(seconds, pattern), startedAt: START, now: START + now * 1000, policy: policy(over) });
    expect(result.status).toBe(expected);
  });

  it('sorts probes by time before judging', () => {
    const probes = probesAt([80, 65, 70, 75], '+---'); // in time order: - - - + → ready
    expect(assessHealth({ probes, startedAt: START, now: START + 80_000, policy: policy() }).status).toBe('ready');
    const reversed = probesAt([80, 75, 70, 65], '-+++'); // in time order: + + + -
    expect(assessHealth({ probes: reversed, startedAt: START, now: START + 80_000, policy: policy({ unhealthyThreshold: 1 }) }).status).toBe(
      'unhealthy',
    );
  });

  it('an exited instance is unhealthy at once, even inside the grace period', () => {
    const r = assessHealth({ probes: probesAt([5], '+'), startedAt: START, now: START + 6_000, policy: policy(), exited: true });
    expect(r).toEqual({ status: 'unhealthy', reason: 'the instance exited' });
  });

  it.each<[string, number[], string, number, Partial<HealthPolicy>, string]>([
    ['ready', [5], '+', 5, {}, '1 consecutive successful probe (healthy threshold 1), the last 5 s after start'],
    ['unhealthy', [61, 66, 71, 76], '----', 76, {}, '4 consecutive failed probes after the 60 s grace period (unhealthy threshold 3)'],
    [
      'starting in grace',
      [5, 10],
      '--',
      12,
      {},
      'no probe result yet; within the 60 s grace period (12 s since start); 2 failed probes during the grace period ignored',
    ],
    ['starting after grace', [65], '-', 66, {}, '1 of 3 consecutive failed probes that would mark it unhealthy'],
    ['starting, not enough oks', [65], '+', 66, { healthyThreshold: 3 }, '1 of 3 consecutive successful probes needed'],
  ])('reason when %s', (_name, seconds, pattern, now, over, reason) => {
    expect(assessHealth({ probes: probesAt(seconds, pattern), startedAt: START, now: START + now * 1000, policy: policy(over) }).reason).toBe(
      reason,
    );
  });

  it.each<[Partial<HealthPolicy>, string]>([
    [{ intervalSeconds: 0 }, 'health intervalSeconds must be a number > 0, got 0'],
    [{ gracePeriodSeconds: -1 }, 'health gracePeriodSeconds must be a number ≥ 0, got -1'],
    [{ unhealthyThreshold: 0 }, 'health unhealthyThreshold must be an integer ≥ 1, got 0'],
    [{ healthyThreshold: 1.5 }, 'health healthyThreshold must be an integer ≥ 1, got 1.5'],
  ])('%j → invalid: %s', (over, message) => {
    expectAppError(() => assessHealth({ probes: [], startedAt: START, now: START, policy: policy(over) }), 'invalid', message);
  });
});

describe('readinessSeconds', () => {
  it.each<[Partial<HealthPolicy>, { min: number; max: number }]>([
    [{}, { min: 5, max: 75 }], // 1 × 5; 60 + (3 − 1 + 1) × 5
    [{ healthyThreshold: 3 }, { min: 15, max: 85 }],
    [{ gracePeriodSeconds: 0, intervalSeconds: 2 }, { min: 2, max: 6 }],
  ])('%j → %j', (over, expected) => {
    expect(readinessSeconds(policy(over))).toEqual(expected);
  });
});
