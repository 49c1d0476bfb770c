import { describe, expect, it } from 'vitest';
import { EdgeMetrics } from './edge-metrics';
import { parseStat, type StatRow } from './haproxy';

const owners: Record<string, string> = { 'production.api.c0': 'v1', 'production.api.c1': 'v2' };
const who = (proxy: string) => (owners[proxy] ? { key: 'production.api', versionId: owners[proxy]! } : null);
const metrics = () => new EdgeMetrics({ server: who, backend: who });

function row(proxy: string, server: string, r2: number, r5 = 0): StatRow {
  return { proxy, server, scur: 0, status: 'UP', eresp: 0, hrsp: { '1xx': 0, '2xx': r2, '3xx': 0, '4xx': 0, '5xx': r5, other: 0 } };
}

describe('EdgeMetrics: per-version traffic from HAProxy counters', () => {
  it('counts the growth of each server counter for its version, and what HAProxy answered itself for the backend’s version', () => {
    const m = metrics();
    m.sample([row('production.api.c0', 's0-a', 100), row('production.api.c0', 'BACKEND', 100)], 1_000_000); // first sample: a baseline
    m.sample([row('production.api.c0', 's0-a', 160, 2), row('production.api.c1', 's1-b', 20, 1), row('production.api.c0', 'BACKEND', 160, 5), row('production.api.c1', 'BACKEND', 20, 1)], 1_001_000);
    expect(m.traffic('production.api', 999_000, 1_002_000)).toEqual({
      v1: { requests: 65, errors: 5, serverErrors: 5 }, // 62 from the server, 3 503s HAProxy gave itself
      v2: { requests: 21, errors: 1, serverErrors: 1 },
    });
  });

  it('a counter that went down means HAProxy reloaded: the new value is all new traffic', () => {
    const m = metrics();
    m.sample([row('production.api.c0', 's0-a', 500)], 2_000_000);
    m.sample([row('production.api.c0', 's0-a', 30)], 2_001_000);
    expect(m.traffic('production.api', 1_999_000, 2_002_000).v1!.requests).toBe(30);
  });

  it('a server deleted and added again under its name between two samples counts from zero', () => {
    const m = metrics();
    m.sample([row('production.api.c0', 's0-a', 0)], 3_000_000);
    m.sample([row('production.api.c0', 's0-a', 400)], 3_001_000);
    m.forget('production.api.c0/s0-a'); // HAProxy deleted it: its counters went with it
    m.sample([row('production.api.c0', 's0-a', 450)], 3_002_000); // a new server of that name, 450 requests since
    expect(m.traffic('production.api', 3_001_500, 3_003_000).v1!.requests).toBe(450);
  });

  it('reads latency from the request log of its backends and ignores lines it cannot place', () => {
    const m = metrics();
    m.logLine('<134>Dec  1 22:05:43 haproxy[24007]: production.api.c1 s1-b 200 12');
    m.logLine('<134>Dec  1 22:05:43 haproxy[24007]: production.api.c1 s1-b 500 250');
    m.logLine('<134>Dec  1 22:05:43 haproxy[24007]: other.svc.c0 s0-x 200 1');
    m.logLine('garbage');
    const h = m.latencyFor('production.api').histograms(0, Date.now() + 1000);
    expect(Object.keys(h)).toEqual(['v2']);
    expect(h.v2!.counts.reduce((a, b) => a + b, 0)).toBe(2);
    expect(h.v2!.maxMs).toBe(250);
  });
});

describe('parseStat', () => {
  it('reads the columns it needs by name', () => {
    const csv = '# pxname,svname,qcur,scur,status,eresp,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other\nb0,a,0,3,UP,1,0,26,0,2,1,0\n';
    expect(parseStat(csv)).toEqual([{ proxy: 'b0', server: 'a', scur: 3, status: 'UP', eresp: 1, hrsp: { '1xx': 0, '2xx': 26, '3xx': 0, '4xx': 2, '5xx': 1, other: 0 } }]);
  });
});
