/**
 * Least privilege for what Flightdeck runs on deployers' behalf. An instance (a real process of
 * the local runtime) and a pre-deploy hook each try what a hostile version would: list and read
 * Flightdeck's data folder, read the server's environment through /proc, look for its secrets in
 * their own environment. As root, they run as an unprivileged user and every attempt fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../../testing/db';
import { RealWorld } from '../../testing/real-world';
import { World } from '../../testing/fixtures';
import { protectDataDirectory } from '../../server/database';

const SECRET = 'postgresql://flightdeck:hunter2@127.0.0.1:5432/flightdeck';
const isRoot = process.getuid?.() === 0;

/** What a hostile program tries, reported as JSON: each attempt "ok" or its error code. */
const PROBE = `
const fs = require('node:fs');
const attempt = (f) => { try { f(); return 'ok'; } catch (e) { return e.code || String(e); } };
const report = () => JSON.stringify({
  uid: process.getuid(),
  cwd: process.cwd(),
  home: process.env.HOME,
  listData: attempt(() => fs.readdirSync(process.env.DATA_DIR)),
  readData: attempt(() => fs.readFileSync(process.env.DATA_DIR + '/secret.txt')),
  serverEnviron: attempt(() => fs.readFileSync('/proc/' + process.env.SERVER_PID + '/environ')),
  env: process.env,
});
if (process.env.PORT) require('node:http').createServer((q, s) => s.end(q.url === '/try' ? report() : 'ok')).listen(Number(process.env.PORT));
else console.log(report());
`;

let tdb: TestDatabase;
let dataDir: string;
let previous: string | undefined;

beforeAll(async () => {
  tdb = await createTestDatabase();
  dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'fd-lp-')), 'data');
  protectDataDirectory(dataDir);
  writeFileSync(path.join(dataDir, 'secret.txt'), SECRET, { mode: 0o644 });
  // The server's own environment holds the database's credentials.
  previous = process.env.DATABASE_URL;
  process.env.DATABASE_URL = SECRET;
});

afterAll(async () => {
  if (previous === undefined) delete process.env.DATABASE_URL;
  else process.env.DATABASE_URL = previous;
  rmSync(path.dirname(dataDir), { recursive: true, force: true });
  await tdb.drop();
});

type Report = { uid: number; cwd: string; home: string; listData: string; readData: string; serverEnviron: string; env: Record<string, string> };

function expectConfined(r: Report, label: string) {
  expect(JSON.stringify(r.env)).not.toContain('hunter2');
  expect(r.env.DATABASE_URL).toBeUndefined();
  expect(r.cwd).not.toBe(process.cwd());
  expect(r.home).toBe(r.cwd);
  expect(path.basename(r.cwd)).toContain(label);
  if (isRoot) {
    expect(r.uid).not.toBe(0);
    expect(r).toMatchObject({ listData: 'EACCES', readData: 'EACCES', serverEnviron: 'EACCES' });
  } else {
    // Not root: the same user as Flightdeck (the log says so); the environment is still clean.
    expect(r.uid).toBe(process.getuid?.());
  }
}

describe('what Flightdeck runs for deployers', () => {
  it('an instance cannot read the data folder or the server’s environment', async () => {
    const w = new RealWorld(tdb.db);
    try {
      await w.service(
        { name: 'hostile', replicas: 1, template: { command: 'node', args: ['-e', PROBE] } },
        [{ version: '1.0.0', config: { DATA_DIR: dataDir, SERVER_PID: String(process.pid) } }],
      );
      expect((await w.deploy('hostile', { version: '1.0.0' })).state).toBe('succeeded');
      const r = (await (await fetch(`${await w.address('hostile')}/try`)).json()) as Report;
      expectConfined(r, 'hostile-1.0.0-0');
      expect(r.env.PORT).toMatch(/^\d+$/);
    } finally {
      await w.close();
    }
  });

  it('a hook command gets its declared environment and the deployment’s facts, nothing of the server’s', async () => {
    const w = new World(tdb.db);
    await w.service(
      {
        name: 'hooked',
        hooks: {
          pre: [{ name: 'probe', type: 'command', command: process.execPath, args: ['-e', PROBE], env: { DATA_DIR: dataDir, SERVER_PID: String(process.pid), GREETING: 'hello' } }],
          post: [],
        },
      },
      ['1.0.0'],
    );
    const d = await w.deploy('hooked', { version: '1.0.0' });
    expect(d.state).toBe('succeeded');
    const done = (await w.events(d.id)).find((e) => e.type === 'hook_succeeded')!;
    const r = JSON.parse(String(done.data.output)) as Report;
    expectConfined(r, `hook-${d.id}-pre`);
    expect(r.env).toMatchObject({ GREETING: 'hello', FLIGHTDECK_DEPLOYMENT_ID: d.id, FLIGHTDECK_SERVICE: 'hooked', FLIGHTDECK_VERSION: '1.0.0', FLIGHTDECK_HOOK_PHASE: 'pre' });
    expect(Object.keys(r.env).sort()).toEqual(
      ['DATA_DIR', 'FLIGHTDECK_DEPLOYMENT_ID', 'FLIGHTDECK_ENVIRONMENT', 'FLIGHTDECK_HOOK_KEY', 'FLIGHTDECK_HOOK_PHASE', 'FLIGHTDECK_SERVICE', 'FLIGHTDECK_VERSION', 'GREETING', 'HOME', 'PATH', 'SERVER_PID'].sort(),
    );
  });
});
