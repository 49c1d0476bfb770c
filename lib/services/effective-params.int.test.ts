/**
 * The deploy dialog shows, before anything is typed, the params a deployment would run with
 * (engine: effectiveStrategyParams). This holds them against what the service layer really
 * plans for a request without params: the dry run's params, on a real database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { effectiveStrategyParams, STRATEGIES } from '../engine';
import { createDeployment } from './create-deployment';
import { createService } from './services';
import { getService } from './service-reads';
import { createVersion } from './versions';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  await tdb.drop();
});

const SERVICES = [
  { name: 'canary-seed', defaultStrategy: 'canary', strategyParams: { steps: [10, 50, 100], windowSeconds: 60, minSamples: 50 } },
  { name: 'canary-analysis', defaultStrategy: 'canary', strategyParams: { steps: [20] }, analysis: { windowSeconds: 90, minSamples: 30 } },
  { name: 'rolling-surge', defaultStrategy: 'rolling', strategyParams: { maxSurge: '50%' }, analysis: { windowSeconds: 45 } },
  { name: 'blue-green-held', defaultStrategy: 'blue-green', strategyParams: { previewHold: true, scaleDownDelaySeconds: 5 } },
] as const;

describe('what the dialog shows is what a deployment runs with', () => {
  it.each(SERVICES.flatMap((s) => STRATEGIES.map((strategy) => [s.name, strategy, s] as const)))('%s, %s', async (_name, strategy, input) => {
    if (!(await tdb.db.service.findUnique({ where: { name: input.name } }))) {
      await createService(tdb.db, { ...input, replicas: 2, template: { command: 'demo' } }, 'test');
      await createVersion(tdb.db, input.name, { version: '1.0.0' }, 'test');
    }
    const service = await getService(tdb.db, input.name);
    const dry = await createDeployment({ db: tdb.db }, input.name, { version: '1.0.0', strategy, dryRun: true }, 'test');
    if (!dry.dryRun) throw new Error('expected a dry run');
    expect(dry.preview.params).toEqual(effectiveStrategyParams(strategy, service));
  });
});
