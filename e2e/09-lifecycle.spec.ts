import { expect, test } from '@playwright/test';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A second `npm start` of its own (the build the end-to-end server made, a fresh embedded
 * PostgreSQL, the demo seeding): from start to a stop in the middle of the seed, its output
 * has no pg deprecation warning (two queries sharing one connection), and stopping it stops
 * the app, then the event bus and the database connections, then PostgreSQL — with no error
 * line on the way ("terminating connection due to administrator command" included).
 */

const ROOT = path.resolve(import.meta.dirname, '..');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

test('npm start: no deprecation warning while it seeds, and SIGTERM stops the app, then the bus, then PostgreSQL, with no error line', async () => {
  test.setTimeout(300_000);
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'flightdeck-lifecycle-'));
  let output = '';
  const child = spawn(process.execPath, ['--enable-source-maps', 'dist/server.js'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: '',
      FLIGHTDECK_DATA_DIR: dataDir,
      FLIGHTDECK_PG_PORT: 'auto',
      FLIGHTDECK_ROUTER_BASE_PORT: '0', // any free ports: the end-to-end server's routers use theirs
      FLIGHTDECK_ADMIN_EMAIL: 'lifecycle@flightdeck.test',
      FLIGHTDECK_ADMIN_PASSWORD: 'lifecycle-password-1',
    },
  });
  child.stdout.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr.on('data', (b: Buffer) => (output += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    // Seeding under way: a release is advancing wave by wave and its deployments are running.
    await expect.poll(() => /claimed deployment/.test(output), { timeout: 240_000, intervals: [500] }).toBe(true);
    await expect.poll(async () => (await fetch(`http://127.0.0.1:${port}/api/health`).catch(() => null))?.status ?? 0, { timeout: 30_000 }).toBe(200);

    const stoppedAt = output.length;
    child.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30_000))]);
    expect(code, output.slice(-2000)).toBe(0);

    const shutdown = output.slice(stoppedAt);
    const order = ['SIGTERM: shutting down', 'stopped the app, the event bus and the database connections', 'stopped the embedded PostgreSQL'].map((line) => shutdown.indexOf(line));
    expect(order.every((i) => i >= 0), shutdown).toBe(true);
    expect([...order].sort((a, b) => a - b), shutdown).toEqual(order);
    expect(shutdown, 'no error line while stopping').not.toMatch(/error|terminating connection|Connection terminated|ECONNREFUSED|57P0/i);
    expect(output, 'pg: two queries sharing one connection').not.toMatch(/DeprecationWarning/);
    expect(output, 'an unexpected error of the API').not.toMatch(/\[api\] unexpected error/);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    // The runtime agent outlives the server by design: this test stops its own.
    const agent = path.join(dataDir, 'runtime', 'agent.json');
    if (existsSync(agent)) {
      try {
        process.kill((JSON.parse(readFileSync(agent, 'utf8')) as { pid: number }).pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
});
