/**
 * Canary analysis through the orchestrator with 300-second windows on a ManualClock
 * (FakeRuntime traffic follows the clock): timing rules and missing data, without waiting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { World } from '../testing/fixtures';
import { getAnalysis } from '../services/analysis';

let tdb: TestDatabase;

beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  await tdb.drop();
});

describe('canary analysis under a controllable clock', () => {
  it('a healthy canary passes each 300 s step only once its window has elapsed', async () => {
    const w = new World(tdb.db);
    await w.service({ name: 'clocked', replicas: 4 }, ['1.0.0', '2.0.0']);
    w.runtime.setLoad('clocked', 100);
    await w.deploy('clocked', { version: '1.0.0' });
    const { id, lease } = await w.start('clocked', { version: '2.0.0', strategy: 'canary', params: { steps: [10, 50] } });
    await w.run(lease);
    const events = await w.events(id);
    const started = events.filter((e) => e.type === 'analysis_started');
    const passed = events.filter((e) => e.type === 'analysis_passed');
    expect(started).toHaveLength(2);
    expect(passed).toHaveLength(2);
    for (let i = 0; i < 2; i++) {
      expect(Date.parse(passed[i]!.at) - Date.parse(started[i]!.at)).toBeGreaterThanOrEqual(300_000);
      expect(passed[i]!.data.elapsedSeconds as number).toBeGreaterThanOrEqual(300);
    }
    const a = await getAnalysis(tdb.db, id, w.clock.now());
    expect(a.steps.map((s) => [s.weight, s.state, s.verdict])).toEqual([
      [10, 'passed', 'promote'],
      [50, 'passed', 'promote'],
    ]);
    // One reading per metric per 10 s evaluation, ~30 per step.
    expect(a.steps[0]!.series[0]!.points.length).toBeGreaterThanOrEqual(30);
  });

  it('a metric whose provider never answers keeps the step from promoting: inconclusive at the deadline', async () => {
    const w = new World(tdb.db);
    await w.service({ name: 'blind', replicas: 2 }, ['1.0.0', '2.0.0']);
    w.runtime.setLoad('blind', 100);
    await w.deploy('blind', { version: '1.0.0' });
    const analysis = {
      metrics: [
        { name: 'error-rate', kind: 'error_rate' },
        { name: 'queue-depth', provider: 'web', url: 'http://127.0.0.1:1/depth?v={{version}}', path: 'depth', threshold: 100 },
      ],
    };
    const { id, lease } = await w.start('blind', { version: '2.0.0', strategy: 'canary', params: { steps: [50] }, analysis });
    let paused = false;
    await w.run(lease, { until: async () => (paused = (await tdb.db.deployment.findUniqueOrThrow({ where: { id } })).state === 'paused') });
    expect(paused).toBe(true);
    const events = await w.events(id);
    expect(events.some((e) => e.type === 'analysis_passed')).toBe(false);
    const inc = events.find((e) => e.type === 'analysis_inconclusive')!;
    expect(inc.message).toMatch(/the 300 s window has elapsed but queue-depth: no data \(.+\); not promoting on missing data/);
    expect(inc.data.metric).toBe('queue-depth');
  });
});
