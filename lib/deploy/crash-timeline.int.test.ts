/**
 * Every event on the right timeline, in order: a version that crashes on start is rolled out
 * and, at once, a good version after it — again and again, with the crash watcher polling
 * fast to race the orchestrator. Each crash is on the failed deployment's timeline, once,
 * before its terminal event; the next deployment carries none of it; no timeline's times go
 * backwards. Real processes (the local runtime), real PostgreSQL.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { RealWorld } from '../testing/real-world';
import { watchCrashes, recordCrashes } from './crash-watcher';
import type { StoredEvent } from '../events/append';

let tdb: TestDatabase;
let w: RealWorld;
let watcher: { stop(): void } | null = null;
const logged: string[] = [];

beforeAll(async () => {
  tdb = await createTestDatabase();
  w = new RealWorld(tdb.db);
});

afterAll(async () => {
  watcher?.stop();
  await w.close();
  await tdb.drop();
});

const TERMINAL = new Set(['deployment_completed', 'deployment_failed', 'deployment_aborted']);

function expectInOrder(events: StoredEvent[]) {
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  for (let i = 1; i < events.length; i++) expect(Date.parse(events[i]!.at)).toBeGreaterThanOrEqual(Date.parse(events[i - 1]!.at));
  const end = events.findIndex((e) => TERMINAL.has(e.type));
  expect(end).toBe(events.length - 1);
}

it('with no crash watcher at all, a deployment that ends records its own instances’ crashes before its terminal event', async () => {
  await w.service({ name: 'lonely', replicas: 1 }, [{ version: '1.0.0' }, { version: '2.0.0', config: { DEMO_CRASH_ON_START: '1' } }]);
  expect((await w.deploy('lonely', { version: '1.0.0' })).state).toBe('succeeded');
  const bad = await w.deploy('lonely', { version: '2.0.0', strategy: 'rolling' });
  expect(bad.state).toBe('failed');
  const events = await w.events(bad.id);
  expectInOrder(events);
  const crash = events.find((e) => e.type === 'instance_crashed');
  expect(crash?.message).toMatch(/^Instance lonely-2\.0\.0-0 exited on its own \(crashing on start/);
  expect(crash?.actor).toBe('runtime');
});

it('crash-on-start rollouts followed at once by another deployment: crashes on the failed one, before its end, once', async () => {
  watcher = watchCrashes({ db: tdb.db, runtimes: async () => [w.runtime], intervalMs: 25, log: (m) => logged.push(m) });
  const versions = [{ version: '1.0.0' }];
  for (let round = 0; round < 3; round++) {
    versions.push({ version: `1.${round + 1}.0-crash`, config: { DEMO_CRASH_ON_START: '1' } } as never, { version: `1.${round + 1}.1` });
  }
  await w.service({ name: 'crashy', replicas: 2 }, versions as Array<{ version: string; config?: Record<string, string> }>);
  expect((await w.deploy('crashy', { version: '1.0.0' })).state).toBe('succeeded');
  for (let round = 0; round < 3; round++) {
    const bad = await w.deploy('crashy', { version: `1.${round + 1}.0-crash`, strategy: 'rolling' });
    const good = await w.deploy('crashy', { version: `1.${round + 1}.1`, strategy: 'rolling' });
    expect(bad.state).toBe('failed');
    expect(good.state).toBe('succeeded');
    const badEvents = await w.events(bad.id);
    const goodEvents = await w.events(good.id);
    expectInOrder(badEvents);
    expectInOrder(goodEvents);
    // Every crash the runtime recorded for the failed deployment is on its timeline, once, before its end.
    const records = (await w.runtime.crashesAfter(0)).filter((c) => c.deploymentId === bad.id);
    expect(records.length).toBeGreaterThan(0);
    const crashes = badEvents.filter((e) => e.type === 'instance_crashed');
    expect(crashes.map((e) => `${e.data.instanceId}@${e.data.crashedAt}`).sort()).toEqual(records.map((c) => `${c.instanceId}@${new Date(c.at).toISOString()}`).sort());
    expect(goodEvents.some((e) => e.type === 'instance_crashed')).toBe(false);
    // However often the watcher looks again, nothing is added after the end.
    await recordCrashes(tdb.db, w.runtime, 0, (m) => logged.push(m));
    expect((await w.events(bad.id)).length).toBe(badEvents.length);
    expect((await w.events(good.id)).length).toBe(goodEvents.length);
  }
}, 240_000);
