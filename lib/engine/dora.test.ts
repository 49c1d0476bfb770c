import { describe, expect, it } from 'vitest';
import { classifyChanges, doraFigures, median, type DoraDeployment } from './dora';

const H = 3_600_000;
const D = 24 * H;
let n = 0;
/** A deployment of `svc` that started at `start` hours and took `minutes`. */
function dep(svc: string, to: string, start: number, over: Partial<DoraDeployment> = {}, minutes = 10): DoraDeployment {
  n++;
  return {
    id: `d${n}`,
    service: svc,
    kind: 'deploy',
    state: 'succeeded',
    fromVersionId: null,
    toVersionId: to,
    versionRegisteredAt: start * H - 2 * H,
    createdAt: start * H,
    startedAt: start * H,
    finishedAt: start * H + minutes * 60_000,
    ...over,
  };
}

describe('DORA figures', () => {
  it.each<[number[], number | null]>([
    [[], null],
    [[5], 5],
    [[1, 9, 3], 3],
    [[4, 1, 3, 2], 2.5],
  ])('median(%j) = %s', (xs, m) => {
    expect(median(xs)).toBe(m);
  });

  it.each<[string, DoraDeployment[], Partial<{ failed: boolean; restoreSeconds: number | null; leadTimeSeconds: number | null }>]>([
    ['a success: lead time is registration → live', [dep('a', 'v1', 10)], { failed: false, leadTimeSeconds: 2 * 3600 + 600, restoreSeconds: null }],
    ['a failed canary: failed, restored when its traffic went back', [dep('a', 'v2', 10, { state: 'failed' }, 3)], { failed: true, restoreSeconds: 180, leadTimeSeconds: null }],
    ['an abort counts as failed', [dep('a', 'v2', 10, { state: 'aborted' }, 1)], { failed: true, restoreSeconds: 60 }],
    [
      'a success later rolled back: failed; restored when the rollback finished',
      [dep('a', 'v2', 10), dep('a', 'v1', 12, { kind: 'rollback', fromVersionId: 'v2' }, 5)],
      { failed: true, restoreSeconds: 2 * 3600 - 600 + 300 },
    ],
    [
      'a rollback after a newer success does not blame the older change',
      [dep('a', 'v2', 10), dep('a', 'v3', 11), dep('a', 'v2', 12, { kind: 'rollback', fromVersionId: 'v3' })],
      { failed: false },
    ],
    ['a rollback still running: failed, not yet restored', [dep('a', 'v2', 10), dep('a', 'v1', 12, { kind: 'rollback', fromVersionId: 'v2', state: 'running', finishedAt: null })], { failed: true, restoreSeconds: null }],
  ])('%s', (_name, deployments, expected) => {
    const first = classifyChanges(deployments)[0]!;
    expect(first).toMatchObject(expected);
  });

  it('a request that never started (withdrawn, rejected, expired) is no change', () => {
    expect(classifyChanges([dep('a', 'v2', 10, { state: 'aborted', startedAt: null })])).toEqual([]);
  });

  it('aggregates over the window and buckets the trend', () => {
    const ds = [
      dep('a', 'v1', 1),
      dep('a', 'v2', 5, { state: 'failed' }, 2),
      dep('b', 'w1', 30),
      dep('b', 'w2', 40),
      dep('b', 'w1', 41, { kind: 'rollback', fromVersionId: 'w2' }, 6),
      dep('a', 'v3', 24 * 3 + 1), // outside a 2-day window
    ];
    const f = doraFigures(classifyChanges(ds), { from: 0, to: 2 * D, bucketMs: D });
    expect(f.deployments).toBe(3);
    expect(f.perDay).toBe(1.5);
    expect(f.changeFailureRate).toEqual({ rate: 2 / 4, failed: 2, changes: 4 });
    expect(f.leadTime.count).toBe(3);
    expect(f.timeToRestore.count).toBe(2);
    expect(f.timeToRestore.medianSeconds).toBe((120 + (3600 - 600 + 360)) / 2);
    expect(f.trend.map((t) => t.deployments)).toEqual([1, 2]);
    expect(f.trend.map((t) => t.failureRate)).toEqual([0.5, 0.5]);
  });

  it('no changes: zero frequency and no figures rather than invented ones', () => {
    const f = doraFigures([], { from: 0, to: 7 * D, bucketMs: D });
    expect(f).toMatchObject({ deployments: 0, perDay: 0, leadTime: { medianSeconds: null }, changeFailureRate: { rate: null }, timeToRestore: { medianSeconds: null } });
    expect(f.trend).toHaveLength(7);
  });
});
