import { describe, expect, it } from 'vitest';
import { approvalGate, approvalTally, freezeGate, mergeIntervals, promotionGate } from './gates';

const MIN = 60_000;
const T = Date.UTC(2026, 11, 1, 12);

describe('promotionGate', () => {
  const staging = { name: 'staging', soakMinutes: 30 };
  it.each([
    ['first environment', { predecessor: null, stints: [], versionBad: false }, true, /no promotion needed/],
    ['never deployed there', { predecessor: staging, stints: [], versionBad: false }, false, /^v2\.3\.0 has not succeeded in staging yet$/],
    ['soaked 4 of 30', { predecessor: staging, stints: [{ from: T - 4 * MIN - 5_000, until: null, endedBy: null }], versionBad: false }, false, /^v2\.3\.0 has soaked 4 of 30 min in staging$/],
    ['soaked 30', { predecessor: staging, stints: [{ from: T - 30 * MIN, until: null, endedBy: null }], versionBad: false }, true, /soaked 30 min/],
    ['replaced after a full soak', { predecessor: staging, stints: [{ from: T - 90 * MIN, until: T - 10 * MIN, endedBy: 'deploy' as const }], versionBad: false }, true, /soaked 80 min/],
    ['replaced before its soak ended', { predecessor: staging, stints: [{ from: T - 90 * MIN, until: T - 80 * MIN, endedBy: 'deploy' as const }], versionBad: false }, false, /soaked 10 of 30/],
    ['rolled back there', { predecessor: staging, stints: [{ from: T - 90 * MIN, until: T - 10 * MIN, endedBy: 'rollback' as const }], versionBad: false }, false, /was rolled back in staging/],
    ['marked bad', { predecessor: staging, stints: [{ from: T - 90 * MIN, until: null, endedBy: null }], versionBad: true }, false, /marked bad/],
    ['a clock slightly behind the worker that recorded it', { predecessor: { name: 'staging', soakMinutes: 0 }, stints: [{ from: T + 5_000, until: null, endedBy: null }], versionBad: false }, true, /^v2\.3\.0 succeeded in staging$/],
    ['no soak asked', { predecessor: { name: 'staging', soakMinutes: 0 }, stints: [{ from: T, until: null, endedBy: null }], versionBad: false }, true, /^v2\.3\.0 succeeded in staging$/],
  ])('%s', (_name, input, met, message) => {
    const g = promotionGate({ version: '2.3.0', now: T, ...input });
    expect(g.met).toBe(met);
    expect(g.message).toMatch(message);
    expect(g.blocking).toBe(true);
  });
});

describe('freeze windows', () => {
  it('merges overlapping and touching intervals, keeping their parts', () => {
    const merged = mergeIntervals([
      { start: 10, end: 20 },
      { start: 30, end: 40 },
      { start: 15, end: 30 },
      { start: 50, end: 50 },
      { start: 60, end: 70 },
    ]);
    expect(merged.map((m) => [m.start, m.end, m.parts.length])).toEqual([
      [10, 40, 3],
      [60, 70, 1],
    ]);
  });

  it('an open window refuses until the end of the merged period, naming every reason', () => {
    const g = freezeGate(
      [
        { windowId: 'a', reason: 'Black Friday', start: T - 60 * MIN, end: T + 60 * MIN },
        { windowId: 'b', reason: 'year-end close', start: T + 30 * MIN, end: T + 120 * MIN },
        { windowId: 'c', reason: 'later', start: T + 500 * MIN, end: T + 600 * MIN },
      ],
      T,
    );
    expect(g.met).toBe(false);
    expect(g.message).toBe(`frozen until ${new Date(T + 120 * MIN).toISOString()}: Black Friday; year-end close`);
    expect(g.details.windows).toEqual(['a', 'b']);
  });

  it('no open window: met; the end of a window is open', () => {
    expect(freezeGate([{ windowId: 'a', reason: 'x', start: T - 10, end: T }], T).met).toBe(true);
    expect(freezeGate([], T).met).toBe(true);
  });
});

describe('approvals', () => {
  it('a protected environment makes the deployment wait, without refusing it', () => {
    const g = approvalGate({ protectedEnv: true, environment: 'production', required: 2, requester: 'ann@x' });
    expect(g).toMatchObject({ met: false, blocking: false, overridable: false });
    expect(g.message).toMatch(/waits for 2 approvals from approvers other than ann@x/);
    expect(approvalGate({ protectedEnv: false, environment: 'staging', required: 2, requester: 'a' }).met).toBe(true);
  });

  it('counts distinct approvers; a rejection is named', () => {
    expect(approvalTally(2, [{ actor: 'b', decision: 'approved' }])).toEqual({ approvals: 1, approvers: ['b'], enough: false, rejectedBy: null });
    expect(approvalTally(2, [{ actor: 'b', decision: 'approved' }, { actor: 'c', decision: 'approved' }]).enough).toBe(true);
    expect(approvalTally(1, [{ actor: 'b', decision: 'rejected' }]).rejectedBy).toBe('b');
  });
});
