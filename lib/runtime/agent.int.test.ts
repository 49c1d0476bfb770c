/**
 * The runtime agent's guard, on loopback (no root needed): every call presents the agent's
 * token or is refused and audited with nothing started; TLS when configured; a deadline on
 * every call; the highest fencing token per service survives a crash of the agent, which also
 * adopts the instances it left running; the control plane's own agent gets a generated token.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../testing/real-world';
import { until } from '../testing/until';
import { AgentAudit } from './agent-guard';
import { connectLocalRuntime } from './local/connect';
import { RemoteRuntime } from './rpc';
import { isRuntimeFault, type Workload } from './types';

const dir = mkdtempSync(path.join(tmpdir(), 'fd-agent-test-'));
const TOKEN = 'a-token-only-this-test-knows-0123456789';
const tokenFile = path.join(dir, 'token');
const children: ChildProcess[] = [];

function workload(service: string): Workload {
  return { service, versionId: `${service}-v1`, semver: '1.0.0', deploymentId: 'd-1', command: 'node', args: ['lib/runtime/demo/service.mjs'], env: {}, healthPath: '/healthz' };
}

/** Start a fleet-host agent on loopback; its URL once it answers. */
async function startAgent(stateDir: string, extra: string[] = [], scheme = 'http', ca?: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'lib/runtime/local/agent-main.ts'), '--listen', '127.0.0.1:0', '--token-file', tokenFile, '--state-dir', stateDir, ...extra], {
    cwd: ROOT,
    env: { ...process.env, FLIGHTDECK_BASE_DIR: ROOT },
    stdio: 'ignore',
  });
  children.push(child);
  const info = path.join(stateDir, 'agent.json');
  const url = await until('the agent to write agent.json', () => existsSync(info) && (JSON.parse(readFileSync(info, 'utf8')) as { pid: number; url: string }).pid === child.pid && (JSON.parse(readFileSync(info, 'utf8')) as { url: string }).url, { timeoutMs: 30_000, tolerateErrors: true });
  expect(url.startsWith(`${scheme}://`)).toBe(true);
  await until('the agent to answer', () => new RemoteRuntime(url, null, { token: TOKEN, ca }).alive(), { timeoutMs: 10_000 });
  return { child, url };
}

async function kill(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await gone;
}

beforeAll(() => {
  writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
});

afterAll(async () => {
  for (const c of children) await kill(c, 'SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

describe('the runtime agent', () => {
  it('refuses a wrong or missing token, audits it, and starts nothing', async () => {
    const stateDir = path.join(dir, 'auth');
    const { child, url } = await startAgent(stateDir);
    for (const creds of [{ token: 'someone-elses-token-0123456789' }, {}]) {
      const intruder = new RemoteRuntime(url, 'production', creds);
      const e = await intruder.scale({ service: 'svc', token: 1 }, workload('svc'), [0], 1000).catch((err: unknown) => err);
      expect(isRuntimeFault(e) && e.kind).toBe('unauthorized');
      expect((await fetch(`${url}/health`)).status).toBe(401);
      intruder.close();
    }
    const owner = new RemoteRuntime(url, 'production', { token: TOKEN });
    expect(await owner.list('svc')).toEqual([]);
    const refused = AgentAudit.read(path.join(stateDir, 'audit.log')).filter((e) => e.outcome === 'unauthenticated');
    expect(refused.map((e) => e.detail)).toEqual(expect.arrayContaining(['wrong token', 'no token']));
    expect(refused.every((e) => e.from === '127.0.0.1')).toBe(true);
    owner.close();
    await kill(child, 'SIGTERM');
  });

  it('gives every call a deadline: past it the agent answers 504 and the caller a runtime fault', async () => {
    const { child, url } = await startAgent(path.join(dir, 'deadline'));
    const rt = new RemoteRuntime(url, null, { token: TOKEN });
    await rt.scale({ service: 'slow', token: 1 }, workload('slow'), [0], 1000);
    const [inst] = await rt.list('slow');
    await until('the instance to answer', () => rt.probe(inst!.id, '/healthz', 1000));
    // A probe that takes 3 s (the demo's /slow) under a 300 ms budget: the agent does not make the caller wait.
    const started = Date.now();
    const slow = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'x-flightdeck-budget-ms': '300' },
      body: JSON.stringify({ method: 'probe', args: [inst!.id, '/slow?ms=3000', 5000], scope: null }),
    });
    expect(slow.status).toBe(504);
    expect(((await slow.json()) as { error: string }).error).toMatch(/deadline/);
    expect(Date.now() - started).toBeLessThan(2500);
    await rt.scale({ service: 'slow', token: 1 }, workload('slow'), [], 1000);
    rt.close();
    await kill(child, 'SIGTERM');
  });

  it('keeps the highest fencing token on disk and adopts its instances after a crash', async () => {
    const stateDir = path.join(dir, 'fence');
    let { child, url } = await startAgent(stateDir);
    let rt = new RemoteRuntime(url, 'production', { token: TOKEN });
    await rt.scale({ service: 'svc', token: 5 }, workload('svc'), [0], 1000);
    const [before] = await rt.list('svc');
    expect(before!.state).toBe('running');
    rt.close();
    await kill(child, 'SIGKILL');

    ({ child, url } = await startAgent(stateDir));
    rt = new RemoteRuntime(url, 'production', { token: TOKEN });
    const [after] = await rt.list('svc');
    expect({ id: after!.id, pid: after!.pid, state: after!.state }).toEqual({ id: before!.id, pid: before!.pid, state: 'running' });
    const stale = await rt.scale({ service: 'svc', token: 4 }, workload('svc'), [], 1000).catch((e: Error) => e);
    expect((stale as Error).name).toBe('StaleFenceError');
    expect((await rt.list('svc')).length).toBe(1);
    await rt.scale({ service: 'svc', token: 5 }, workload('svc'), [], 1000);
    expect(await rt.list('svc')).toEqual([]);
    rt.close();
    await kill(child, 'SIGTERM');
  });

  it('serves HTTPS with --tls-cert/--tls-key; a caller trusting the certificate gets in, another does not', async () => {
    if (spawnSync('openssl', ['version']).status !== 0) return void console.warn('openssl is not installed: TLS not checked');
    const key = path.join(dir, 'agent.key');
    const cert = path.join(dir, 'agent.crt');
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const ca = readFileSync(cert, 'utf8');
    const { child, url } = await startAgent(path.join(dir, 'tls'), ['--tls-cert', cert, '--tls-key', key], 'https', ca);
    const trusted = new RemoteRuntime(url, null, { token: TOKEN, ca });
    expect(await trusted.list('svc')).toEqual([]);
    const stranger = new RemoteRuntime(url, null, { token: TOKEN });
    const e = await stranger.list('svc').catch((err: unknown) => err);
    expect(isRuntimeFault(e) && e.kind).toBe('unreachable');
    trusted.close();
    stranger.close();
    await kill(child, 'SIGTERM');
  });
});

describe("the control plane's own agent", () => {
  it('is started with a generated token, kept readable by its owner only, and refuses calls without it', async () => {
    const stateDir = path.join(dir, 'single-host');
    const first = await connectLocalRuntime({ stateDir, baseDir: ROOT });
    try {
      expect(first.started).toBe(true);
      expect(statSync(path.join(stateDir, 'agent.token')).mode & 0o777).toBe(0o600);
      expect((await fetch(`${first.agent.url}/health`)).status).toBe(401);
      const again = await connectLocalRuntime({ stateDir, baseDir: ROOT });
      expect({ started: again.started, pid: again.agent.pid }).toEqual({ started: false, pid: first.agent.pid });
      expect(await again.runtime.remoteKind()).toBe('local');
      again.runtime.close();
    } finally {
      first.runtime.close();
      process.kill(first.agent.pid, 'SIGTERM');
    }
  });
});

describe('npx flightdeck agent', () => {
  it('runs the compiled agent with the flags it is given, and refuses to start without a token file', async () => {
    const stateDir = path.join(dir, 'bin');
    const bin = path.join(ROOT, 'lib/cli/flightdeck.mjs');
    const refused = spawnSync(process.execPath, [bin, 'agent', '--listen', '127.0.0.1:0'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/--token-file is required/);
    const child = spawn(process.execPath, [bin, 'agent', '--listen', '127.0.0.1:0', '--token-file', tokenFile, '--state-dir', stateDir], { cwd: ROOT, stdio: 'ignore' });
    children.push(child);
    const info = path.join(stateDir, 'agent.json');
    const url = await until('the agent to start', () => existsSync(info) && (JSON.parse(readFileSync(info, 'utf8')) as { url: string }).url, { timeoutMs: 120_000, tolerateErrors: true });
    const rt = new RemoteRuntime(url, null, { token: TOKEN });
    expect(await rt.remoteKind()).toBe('fleet-host');
    rt.close();
    await kill(child, 'SIGTERM');
  }, 180_000);
});
