/**
 * The `flightdeck` CLI as CI runs it — a separate process, over HTTP, with an API token —
 * against a real server: REST v1's route handlers, the deployment worker and the local
 * runtime (real demo-service processes behind a real router) on one port. Exit status:
 * 0 succeeded, 1 failed (a canary with 5 % errors under load is aborted), 2 bad input or
 * refused, 3 outcome unknown (a timeout, a deployment waiting for a person). Every outcome is
 * one line, never a stack trace.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { createTestToken } from '../testing/auth';
import { apiRequestHandler } from '../testing/api-server';
import { load, RealWorld, ROOT } from '../testing/real-world';
import { LocalRuntime } from '../runtime/local/local-runtime';
import { startNode, type FlightdeckNode } from '../server/node';
import { until } from '../testing/until';
import { runCli, type CliRun } from '../testing/cli-process';

let tdb: TestDatabase;
let node: FlightdeckNode;
let runtime: LocalRuntime;
let world: RealWorld;
const tokens = { deployer: '', viewer: '', scoped: '' };
const saved = process.env.DATABASE_URL;

function cli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runCli(args, { FLIGHTDECK_URL: node.url, FLIGHTDECK_TOKEN: tokens.deployer, ...env });
}

beforeAll(async () => {
  tdb = await createTestDatabase();
  process.env.DATABASE_URL = tdb.url; // the route handlers' getDb()
  runtime = new LocalRuntime({ stateDir: mkdtempSync(path.join(tmpdir(), 'fd-cli-runtime-')), baseDir: ROOT, routerBasePort: 0 });
  world = new RealWorld(tdb.db, runtime);
  node = await startNode({ databaseUrl: tdb.url, runtime, port: 0, hostname: '127.0.0.1', requestHandler: apiRequestHandler, pollMs: 200, owner: 'cli-test' });
  tokens.deployer = await createTestToken(tdb.db, 'deployer', { name: 'ci' });
  tokens.viewer = await createTestToken(tdb.db, 'viewer', { name: 'dashboard' });
  await world.service({ name: 'checkout', replicas: 2 }, []);
  await world.service({ name: 'ledger', replicas: 1 }, [{ version: '1.0.0' }]);
  tokens.scoped = await createTestToken(tdb.db, 'deployer', { name: 'ci-ledger', serviceScope: ['ledger'] });
});
afterAll(async () => {
  await node?.close({ abandon: true });
  await world?.close();
  process.env.DATABASE_URL = saved;
  await tdb?.drop();
});

describe('flightdeck CLI', () => {
  it('versions create registers a version (0) and refuses a bad one naming the problem (2)', async () => {
    const ok = await cli(['versions', 'create', '--service', 'checkout', '--version', 'v1.0.0', '--notes', 'first']);
    expect(ok, ok.err).toMatchObject({ code: 0 });
    expect(ok.out).toMatch(/registered checkout v1\.0\.0/);
    const bad = await cli(['versions', 'create', '--service', 'checkout', '--version', 'one']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/422 invalid: invalid semver "one"/);
    const cfg = await cli(['versions', 'create', '--service', 'checkout', '--version', '1.1.0', '--config', 'DEMO_ERROR_RATE=0.05', '--notes', 'new retry logic']);
    expect(cfg.code, cfg.err).toBe(0);
  });

  it('deploy --wait streams the timeline and exits 0 when the deployment succeeds', async () => {
    const r = await cli(['deploy', '--service', 'checkout', '--version', '1.0.0', '--strategy', 'rolling', '--wait']);
    expect(r.code, r.err + r.out).toBe(0);
    const lines = r.out.split('\n');
    expect(lines.findIndex((l) => /#1\s+deployment_queued\s+.*queued by token:ci/.test(l))).toBeGreaterThan(0);
    expect(lines.findIndex((l) => /deployment_completed/.test(l))).toBeGreaterThan(lines.findIndex((l) => /deployment_started/.test(l)));
    expect(r.out).toMatch(/deployment \S+ succeeded/);
    const seqs = [...r.out.matchAll(/#(\d+) /g)].map((m) => Number(m[1]));
    expect(seqs).toEqual(seqs.map((_, i) => i + 1)); // every event once, in order
  });

  it('deploy --wait exits 1 when the canary analysis aborts a version with 5 % errors under load', async () => {
    const traffic = load(await world.address('checkout'), { concurrency: 6, maxMs: 120_000 });
    try {
      const r = await cli(['deploy', '--service', 'checkout', '--version', '1.1.0', '--strategy', 'canary', '--params', '{"steps":[50],"windowSeconds":60,"minSamples":50}', '--wait', '--timeout', '110']);
      expect(r.code, r.err + r.out).toBe(1);
      expect(r.out).toMatch(/analysis_failed\s+.*error rate/);
      expect(r.out).toMatch(/deployment \S+ failed/);
    } finally {
      await traffic.stop();
    }
    const s = await cli(['status', '--service', 'checkout']);
    expect(s.code).toBe(0);
    expect(s.out).toMatch(/checkout in production: live v1\.0\.0/);
  });

  it('bad input and refusals exit 2, changing nothing', async () => {
    const before = await tdb.db.deployment.count();
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [['deploy', '--service', 'checkout', '--version', '1.0.0', '--strategy', 'yolo', '--wait'], {}, /unknown strategy "yolo"/],
      [['deploy', '--service', 'checkout', '--version', '9.9.9', '--wait'], {}, /404 not_found/],
      [['deploy', '--service', 'checkout', '--wait'], {}, /missing --version/],
      [['deploy', '--service', 'checkout', '--version', '1.0.0', '--params', '{oops', '--wait'], {}, /--params must be JSON/],
      [['deploy', '--service', 'checkout', '--version', '1.0.0', '--bogus'], {}, /Unknown option '--bogus'/],
      [['deploy', '--service', 'checkout', '--version', '1.0.0', '--wait'], { FLIGHTDECK_TOKEN: tokens.viewer }, /403 forbidden: token:dashboard is a viewer/],
      [['deploy', '--service', 'checkout', '--version', '1.0.0', '--wait'], { FLIGHTDECK_TOKEN: tokens.scoped }, /may act only on ledger; not on checkout/],
      [['deploy', '--service', 'checkout', '--version', '1.0.0', '--wait'], { FLIGHTDECK_TOKEN: 'fdt_not-a-real-token' }, /401 unauthorized: unknown API token/],
      [['deploy', '--service', 'checkout', '--version', '1.0.0', '--wait'], { FLIGHTDECK_TOKEN: '' }, /no API token/],
      [['rollback', '--service', 'ledger', '--wait'], {}, /409 conflict: .*no previous good version/],
      [['launch'], {}, /unknown command "launch"/],
    ];
    for (const [args, env, message] of cases) {
      const r = await cli(args, env);
      expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(2);
      expect(r.err).toMatch(message);
    }
    expect(await tdb.db.deployment.count()).toBe(before);
  });

  it('rollback --wait and status with a scoped token', async () => {
    const d = await cli(['deploy', '--service', 'ledger', '--version', '1.0.0', '--wait'], { FLIGHTDECK_TOKEN: tokens.scoped });
    expect(d.code, d.err + d.out).toBe(0);
    const st = await cli(['status'], { FLIGHTDECK_TOKEN: tokens.viewer });
    expect(st.code).toBe(0);
    expect(st.out).toMatch(/ledger\s+v1\.0\.0/);
    expect(st.out).toMatch(/checkout\s+v1\.0\.0/);
  });

  it('--timeout on a canary still analysing: exit 3 and one line, never a stack trace', async () => {
    expect((await cli(['versions', 'create', '--service', 'checkout', '--version', '1.2.0'])).code).toBe(0);
    const r = await cli(['deploy', '--service', 'checkout', '--version', '1.2.0', '--strategy', 'canary', '--params', '{"steps":[50],"windowSeconds":120,"minSamples":50}', '--wait', '--timeout', '8']);
    expect(r.code, r.err + r.out).toBe(3);
    expect(oneLine(r.err)).toMatch(/^flightdeck: gave up waiting after 8 s; deployment \S+ is still running \(.+\)$/);
    expect(r.err + r.out).not.toMatch(/\n\s+at |CliError|node:internal/);
    expect(r.seconds).toBeLessThan(30);
    await abort(idOf(r.out));
  });

  it('--wait on a deployment paused for a person (inconclusive analysis) says why and exits 3 at once; --wait-through-pauses waits on', async () => {
    // No traffic: a 3 s window with 1,000 samples to get is inconclusive, and pauses for a person.
    const params = '{"steps":[50],"windowSeconds":3,"minSamples":1000}';
    const through = await cli(['deploy', '--service', 'checkout', '--version', '1.2.0', '--strategy', 'canary', '--params', params, '--wait', '--wait-through-pauses', '--timeout', '25']);
    expect(through.code, through.err + through.out).toBe(3);
    expect(through.out).toMatch(/analysis_inconclusive/); // it saw the pause, and waited on
    expect(oneLine(through.err)).toMatch(/^flightdeck: gave up waiting after 25 s; deployment \S+ is still running \(inconclusive: waiting for a person\)$/);
    await abort(idOf(through.out));

    const r = await cli(['deploy', '--service', 'checkout', '--version', '1.2.0', '--strategy', 'canary', '--params', params, '--wait', '--timeout', '300']);
    expect(r.code, r.err + r.out).toBe(3);
    expect(oneLine(r.err)).toMatch(/^flightdeck: deployment \S+ is paused \(inconclusive: waiting for a person\): Analysis inconclusive, .+; it waits for a person \(--wait-through-pauses waits on\)$/);
    expect(r.seconds).toBeLessThan(120); // at once, not at the timeout
    await abort(idOf(r.out));
  });

  it('--wait on a deployment awaiting approval says so and exits 3 at once', async () => {
    const env = await tdb.db.environment.findFirstOrThrow({ orderBy: { order: 'asc' } });
    await tdb.db.environment.update({ where: { id: env.id }, data: { protected: true, requiredApprovals: 1 } });
    try {
      expect((await cli(['versions', 'create', '--service', 'ledger', '--version', '1.0.1'])).code).toBe(0);
      const r = await cli(['deploy', '--service', 'ledger', '--version', '1.0.1', '--wait', '--timeout', '300']);
      expect(r.code, r.err + r.out).toBe(3);
      expect(oneLine(r.err)).toMatch(/^flightdeck: deployment \S+ is awaiting approval: .+; it waits for a person \(--wait-through-pauses waits on\)$/);
      expect(r.seconds).toBeLessThan(60);
      await tdb.db.$executeRaw`UPDATE deployments SET state = 'aborted', active_for = NULL WHERE state = 'awaiting_approval'`;
    } finally {
      await tdb.db.environment.update({ where: { id: env.id }, data: { protected: false, requiredApprovals: 0 } });
    }
  });

  it('usage mistakes are one line too', async () => {
    for (const args of [[], ['deploy', '--bogus'], ['deploy', '--service', 'checkout'], ['launch']]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.err).toMatch(/\(flightdeck --help for usage\)/);
    }
    const unreachable = await cli(['status'], { FLIGHTDECK_URL: 'http://127.0.0.1:9' });
    expect(unreachable.code).toBe(3);
    expect(oneLine(unreachable.err)).toMatch(/^flightdeck: cannot reach http:\/\/127\.0\.0\.1:9: /);
  });
});

/** stderr must be exactly one line. */
function oneLine(text: string): string {
  const lines = text.trim().split('\n');
  expect(lines, text).toHaveLength(1);
  return lines[0]!;
}

function idOf(out: string): string {
  return /deployment ([0-9a-f-]{36})/.exec(out)![1]!;
}

/** Aborts a deployment through the API and waits until it has ended. */
async function abort(id: string): Promise<void> {
  const res = await fetch(`${node.url}/api/v1/deployments/${id}/abort`, { method: 'POST', headers: { authorization: `Bearer ${tokens.deployer}`, 'content-type': 'application/json' }, body: '{}' });
  expect(res.status, await res.text()).toBe(200);
  await until(`deployment ${id} ended`, async () => ['failed', 'aborted', 'succeeded'].includes((await tdb.db.deployment.findUniqueOrThrow({ where: { id } })).state), 120_000);
}
