/**
 * The database can go away and come back: the embedded PostgreSQL is SIGKILLed twice in the
 * middle of a rollout (its own throwaway cluster, under steady load through the local runtime's
 * router) and everything resumes by itself.
 */
import { describe, expect, it } from 'vitest';
import { dbOutage, type OutageReport } from '../testing/db-outage';

describe('PostgreSQL killed mid-deployment', () => {
  let r: OutageReport;

  it('is restarted by its supervisor, with one line when it goes and one when it is back', async () => {
    r = await dbOutage({ kills: 2 });
    // Two kills mid-rollout (and a third just before shutdown, which may beat the supervisor).
    const gone = r.supervisorLines.filter((l) => /exited on its own \(signal SIGKILL\); restarting it/.test(l)).length;
    expect(gone).toBeGreaterThanOrEqual(2);
    expect(gone).toBeLessThanOrEqual(3);
    expect(r.supervisorLines.filter((l) => /PostgreSQL is back/.test(l))).toHaveLength(2);
    expect(r.supervisorLines).toHaveLength(gone + 2);
    expect(r.secondsDown.every((s) => s < 30)).toBe(true);
    expect(r.secondsToHealthy.every((s) => s < 10)).toBe(true);
  }, 240_000);

  it('answers API calls with 503 and the error shape while it is down, never a 500 or a stack trace', () => {
    expect(r.apiWhileDown).toHaveLength(2);
    for (const a of r.apiWhileDown) {
      expect(a.status).toBe(503);
      expect(a.body).toEqual({ error: { code: 'unavailable', message: expect.stringMatching(/database is unavailable/), details: expect.any(Object) } });
    }
    expect(r.apiErrors.filter((l) => /unexpected error/.test(l))).toEqual([]);
  });

  it('lets the deployment finish with a gapless timeline, and the data plane never fails a request', () => {
    expect(r.deploymentState).toBe('succeeded');
    expect(r.eventSeqs).toEqual(r.eventSeqs.map((_, i) => i + 1));
    expect(r.requests).toBeGreaterThan(100);
    expect(r.failedRequests).toBe(0);
  });

  it('keeps exactly one listening connection per channel after every outage', () => {
    expect(Object.values(r.listenersBefore)).toEqual([1, 1]);
    expect(r.listenersAfter).toEqual(r.listenersBefore);
  });

  it('has the worker and the event bus say at most once per outage that the database is away, with no stack traces', () => {
    const outages = 3;
    const worker = r.nodeLines.filter((l) => /^\[worker .*the database is unreachable/.test(l));
    expect(worker.length).toBeGreaterThanOrEqual(1);
    expect(worker.length).toBeLessThanOrEqual(outages);
    expect(r.nodeLines.filter((l) => /^event bus:/.test(l)).length).toBeLessThanOrEqual(outages);
    expect(r.nodeLines.filter((l) => /\n\s+at /.test(l))).toEqual([]);
    expect(r.nodeLines.length).toBeLessThan(25);
  });

  it('shuts down promptly with PostgreSQL just killed', () => {
    expect(r.shutdownMs).toBeLessThan(5_000);
  });
});
