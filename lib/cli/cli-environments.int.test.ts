/**
 * The CLI with environments, as CI runs it (a separate process, over HTTP, with tokens): deploy
 * to the first environment, promote to the next, a protected environment waits for an approver
 * (never the requester), and a refusing gate is exit 2 naming the gate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { createTestToken } from '../testing/auth';
import { apiRequestHandler } from '../testing/api-server';
import { until } from '../testing/until';
import { runCli, type CliRun } from '../testing/cli-process';
import { RealWorld, ROOT } from '../testing/real-world';
import { LocalRuntime } from '../runtime/local/local-runtime';
import { perEnvironment, setRuntimeResolver } from '../runtime/registry';
import { startNode, type FlightdeckNode } from '../server/node';
import { createEnvironment, updateEnvironment, getDeployment } from '../services';

let tdb: TestDatabase;
let node: FlightdeckNode;
let world: RealWorld;
const runtimes: LocalRuntime[] = [];
const tokens = { deployer: '', approver: '' };
const saved = process.env.DATABASE_URL;

function cli(args: string[], token = tokens.deployer): Promise<CliRun> {
  return runCli(args, { FLIGHTDECK_URL: node.url, FLIGHTDECK_TOKEN: token });
}

beforeAll(async () => {
  tdb = await createTestDatabase();
  process.env.DATABASE_URL = tdb.url;
  await updateEnvironment(tdb.db, 'production', { order: 20 }, 'setup');
  await createEnvironment(tdb.db, { name: 'staging', order: 10, soakMinutes: 0 }, 'setup');
  // One real local runtime per environment, as the runtime agent keeps one per scope.
  const runtimeFor = perEnvironment(() => {
    const r = new LocalRuntime({ stateDir: mkdtempSync(path.join(tmpdir(), 'fd-cli-env-')), baseDir: ROOT, routerBasePort: 0 });
    runtimes.push(r);
    return r;
  });
  setRuntimeResolver(runtimeFor);
  const staging = runtimeFor({ name: 'staging' });
  world = new RealWorld(tdb.db, staging as LocalRuntime);
  node = await startNode({ databaseUrl: tdb.url, runtime: staging, runtimeFor, port: 0, hostname: '127.0.0.1', requestHandler: apiRequestHandler, pollMs: 200, owner: 'cli-env-test' });
  tokens.deployer = await createTestToken(tdb.db, 'deployer', { name: 'ci' });
  tokens.approver = await createTestToken(tdb.db, 'approver', { name: 'release-lead' });
  await world.service({ name: 'orders', replicas: 1 }, [{ version: '1.0.0' }, { version: '1.1.0' }]);
});
afterAll(async () => {
  await node?.close({ abandon: true });
  for (const r of runtimes) await r.close();
  process.env.DATABASE_URL = saved;
  await tdb?.drop();
});

describe('flightdeck CLI with environments', () => {
  it('deploys to the first environment, promotes, waits for an approver, and names a refusing gate (exit 2)', async () => {
    const first = await cli(['deploy', '--service', 'orders', '--version', '1.0.0', '--strategy', 'rolling', '--wait', '--timeout', '60']);
    expect(first.code, first.err).toBe(0);
    expect(first.out).toMatch(/orders in staging/);

    // 1.1.0 never went to staging: the promotion gate refuses it, named, exit 2.
    const refused = await cli(['deploy', '--service', 'orders', '--version', '1.1.0', '--environment', 'production']);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/promotion gate: v1\.1\.0 has not succeeded in staging yet/);
    expect(refused.err.split('\n').filter(Boolean)).toHaveLength(1);
    const dry = await cli(['promote', '--service', 'orders', '--version', '1.1.0', '--to', 'production', '--dry-run']);
    expect(dry.code).toBe(2);

    await updateEnvironment(tdb.db, 'production', { protected: true, requiredApprovals: 1 }, 'setup');
    const promoted = await cli(['promote', '--service', 'orders', '--version', '1.0.0']);
    expect(promoted.code, promoted.err).toBe(0);
    const id = /deployment ([0-9a-f-]{36})/.exec(promoted.out)![1]!;
    expect(promoted.out).toMatch(/staging → production .*awaiting_approval/);
    const own = await cli(['approve', '--deployment', id]);
    expect(own.code).toBe(2); // a deployer is no approver
    const approved = await cli(['approve', '--deployment', id, '--comment', 'ship it'], tokens.approver);
    expect(approved.code, approved.err).toBe(0);
    expect(approved.out).toMatch(/queued/);
    await until('the promoted deployment to finish', async () => (await getDeployment(tdb.db, id)).state === 'succeeded', 60_000);
    const status = await cli(['status', '--service', 'orders', '--environment', 'production']);
    expect(status.out).toMatch(/orders in production: live v1\.0\.0/);
    expect(status.out).toMatch(/environments: staging v1\.0\.0 → production v1\.0\.0/);
  });
});
