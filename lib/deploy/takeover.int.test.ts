/**
 * Dead workers are taken over in seconds, whatever their ids: a worker process SIGKILLed while
 * it holds a deployment (lease TTL 300 s) loses it to another live process at once, because its
 * presence lock ended with its database session; fencing still moves the token on.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemClock } from '../clock';
import { FakeRuntime } from '../runtime/fake';
import { serveRuntime } from '../runtime/rpc';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { takeover } from '../testing/takeover';

let tdb: TestDatabase;
let runtime: FakeRuntime;
let rpc: { url: string; close(): Promise<void> };

beforeAll(async () => {
  tdb = await createTestDatabase();
  runtime = new FakeRuntime(systemClock);
  rpc = await serveRuntime(runtime);
});

afterAll(async () => {
  await rpc.close();
  await tdb.drop();
});

it('a SIGKILLed worker’s deployment is resumed by a process with another worker id within 10 s, long before its lease expires', async () => {
  const r = await takeover({ db: tdb.db, databaseUrl: tdb.url, runtime, runtimeUrl: rpc.url, service: 'takeover-svc' });
  expect(r.secondsToResume).toBeLessThanOrEqual(10);
  expect(r.takeover.message).toMatch(/^Worker takeover-b took over from worker takeover-a, whose process is gone/);
  expect(r.takeover.data).toMatchObject({ worker: 'takeover-b', previousWorker: 'takeover-a', because: 'holder_gone' });
  expect(r.tokenAfter).toBeGreaterThan(r.tokenBefore);
  expect(r.finalState).toBe('succeeded');
  expect(r.seqs).toEqual(r.seqs.map((_, i) => i + 1));
}, 180_000);
