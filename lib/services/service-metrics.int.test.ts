/**
 * The service page's series: per version from the runtime's window (with p95 latency), older
 * minutes from the stored per-minute totals attributed to the version live then, deployments
 * and rollbacks as markers on the same axis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { World } from '../testing/fixtures';
import { setRuntime } from '../runtime/registry';
import { getServiceMetrics, histogramP } from './service-metrics';

let tdb: TestDatabase;
let w: World;
const MIN = 60_000;

beforeAll(async () => {
  tdb = await createTestDatabase();
  w = new World(tdb.db);
  setRuntime(w.runtime);
  await w.service({ name: 'shop', replicas: 1 }, ['1.0.0', '1.1.0']);
  w.runtime.setLoad('shop', 10);
  await w.deploy('shop', { version: '1.0.0', strategy: 'rolling' });
  w.clock.advance(40 * MIN);
  await w.deploy('shop', { version: '1.1.0', strategy: 'rolling' });
  w.clock.advance(5 * MIN);
}, 120_000);
afterAll(async () => {
  await tdb.drop();
});

describe('service metrics', () => {
  it('measures recent minutes per version from the runtime, with p95 latency, and marks each deployment', async () => {
    const m = await getServiceMetrics(tdb.db, 'shop', { range: '1h' }, w.clock.now());
    expect([m.range, m.bucketSeconds, m.buckets.length]).toEqual(['1h', 60, 60]);
    expect(m.versions).toEqual(['1.0.0', '1.1.0']);
    const recent = m.buckets.filter((b) => b.source === 'runtime' && b.byVersion['1.1.0']);
    expect(recent.length).toBeGreaterThan(2);
    expect(recent.at(-2)!.byVersion['1.1.0']!.p95Ms).not.toBeNull();
    expect(recent.at(-2)!.requestsPerMinute).toBeCloseTo(600, -1);
    expect(m.markers.map((x) => [x.kind, x.to, x.state])).toEqual([
      ['deploy', '1.0.0', 'succeeded'],
      ['deploy', '1.1.0', 'succeeded'],
    ]);
  });

  it('attributes stored minutes the runtime no longer holds to the version live then', async () => {
    const s = await tdb.db.service.findUniqueOrThrow({ where: { name: 'shop' } });
    const env = await tdb.db.environment.findFirstOrThrow();
    const minute = new Date(Math.floor((w.clock.now() - 30 * MIN) / MIN) * MIN);
    await tdb.db.trafficMinute.create({ data: { serviceId: s.id, environmentId: env.id, minute, requests: 100, errors: 5 } });
    const m = await getServiceMetrics(tdb.db, 'shop', { range: '1h' }, w.clock.now());
    const b = m.buckets.find((x) => x.start === minute.toISOString())!;
    expect(b.source).toBe('stored');
    expect(b.byVersion).toEqual({ '1.0.0': { requests: 100, errors: 5, errorRate: 0.05, p95Ms: null } });
    const day = await getServiceMetrics(tdb.db, 'shop', { range: '24h' }, w.clock.now());
    expect([day.bucketSeconds, day.buckets.length]).toEqual([900, 96]);
  });

  it('reads a percentile from a histogram, interpolated within its bucket', () => {
    expect(histogramP({ boundsMs: [10, 20, 50], counts: [50, 40, 10, 0], maxMs: 45 }, 0.95)).toBeCloseTo(35, 5);
    expect(histogramP({ boundsMs: [10], counts: [0, 0], maxMs: 0 }, 0.95)).toBeNull();
  });
});
