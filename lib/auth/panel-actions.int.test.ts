/**
 * The panel's server actions (app/actions.ts) follow the REST API's rules: anonymous → 401,
 * a viewer → 403, a deployer scoped to another service → 403, a cross-site caller → 403,
 * an override of a deploy freeze needs an admin; each refusal is audited and writes nothing.
 * A deployer from this site deploys, and the deployment records the person as its actor.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { createUser } from './users';
import { login } from './sessions';
import { createService, createVersion } from '../services';

const request = { cookie: '', origin: 'http://localhost:3000', host: 'localhost:3000' };
vi.mock('next/headers', () => ({
  headers: async () => new Headers({ origin: request.origin, host: request.host }),
  cookies: async () => ({
    get: (name: string) => {
      const m = new RegExp(`${name}=([^;]+)`).exec(request.cookie);
      return m ? { name, value: m[1] } : undefined;
    },
  }),
}));

let tdb: TestDatabase;
const saved = process.env.DATABASE_URL;
const cookies: Record<string, string> = {};

beforeAll(async () => {
  tdb = await createTestDatabase();
  process.env.DATABASE_URL = tdb.url;
  await createService(tdb.db, { name: 'shop', replicas: 1, template: { command: 'demo' } }, 'setup');
  await createService(tdb.db, { name: 'other', replicas: 1, template: { command: 'demo' } }, 'setup');
  await createVersion(tdb.db, 'shop', { version: '1.0.0' }, 'setup');
  for (const [email, role, serviceScope] of [
    ['viewer@example.com', 'viewer', []],
    ['deployer@example.com', 'deployer', []],
    ['scoped@example.com', 'deployer', ['other']],
  ] as const) {
    await createUser(tdb.db, { email, password: `${role}-password-1`, role, serviceScope: [...serviceScope] }, 'setup');
    cookies[email] = `fd_session=${(await login(tdb.db, { email, password: `${role}-password-1` })).secret}`;
  }
});
afterAll(async () => {
  process.env.DATABASE_URL = saved;
  await tdb.drop();
});

const rows = async () => JSON.stringify(await Promise.all([tdb.db.deployment.count(), tdb.db.version.count(), tdb.db.release.count(), tdb.db.lease.count()]));

describe('panel server actions', () => {
  it('refuse anonymous, viewer, out-of-scope and cross-site callers, audited, writing nothing', async () => {
    const a = await import('@/app/actions');
    const calls: Array<[string, () => Promise<{ ok: boolean; error?: { code: string; message: string } }>]> = [
      ['deployAction', () => a.deployAction('shop', { version: '1.0.0', strategy: 'rolling' })],
      ['rollbackAction', () => a.rollbackAction('shop', {})],
      ['createVersionAction', () => a.createVersionAction('shop', { version: '2.0.0' })],
      ['createReleaseAction', () => a.createReleaseAction({ items: [{ service: 'shop', version: '1.0.0' }] })],
      ['controlAction', () => a.controlAction('00000000-0000-4000-8000-000000000000', 'abort', {})],
      ['breakLeaseAction', () => a.breakLeaseAction('shop', {})],
    ];
    for (const [name, call] of calls) {
      for (const [who, cookie, origin, code, outcome] of [
        ['anonymous', '', 'http://localhost:3000', 'unauthorized', 'unauthenticated'],
        ['viewer', cookies['viewer@example.com']!, 'http://localhost:3000', 'forbidden', 'denied'],
        ['cross-site deployer', cookies['deployer@example.com']!, 'https://evil.example', 'forbidden', 'denied'],
        ...(name === 'controlAction' ? [] : [['deployer scoped to another service', cookies['scoped@example.com']!, 'http://localhost:3000', 'forbidden', 'denied'] as const]),
      ] as const) {
        Object.assign(request, { cookie, origin });
        const before = await rows();
        const r = await call();
        expect(r.ok, `${name} as ${who}`).toBe(false);
        expect(r.error!.code, `${name} as ${who}: ${r.error!.message}`).toBe(code);
        expect(await rows()).toBe(before);
        const last = await tdb.db.auditEntry.findFirstOrThrow({ orderBy: { id: 'desc' } });
        expect(last.outcome, `${name} as ${who}`).toBe(outcome);
      }
    }
  });

  it('a deployer cannot override a deploy freeze; a deployer from this site deploys, recorded as themselves', async () => {
    const a = await import('@/app/actions');
    Object.assign(request, { cookie: cookies['deployer@example.com'], origin: 'http://localhost:3000' });
    const before = await rows();
    const refused = await a.deployAction('shop', { version: '1.0.0', strategy: 'rolling', override: true });
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden', message: expect.stringContaining('admin') } });
    expect(await rows()).toBe(before);

    const preview = await a.deployAction('shop', { version: '1.0.0', strategy: 'rolling', dryRun: true });
    expect(preview).toMatchObject({ ok: true, data: { dryRun: true, to: '1.0.0' } });
    expect(await rows()).toBe(before);

    const done = await a.deployAction('shop', { version: '1.0.0', strategy: 'rolling' });
    expect(done.ok).toBe(true);
    const d = await tdb.db.deployment.findFirstOrThrow({ orderBy: { createdAt: 'desc' } });
    expect(d.actor).toBe('deployer@example.com');
    expect(await tdb.db.auditEntry.findFirstOrThrow({ orderBy: { id: 'desc' } })).toMatchObject({ actor: 'deployer@example.com', action: 'deployment.create', outcome: 'ok' });

    const bad = await a.createVersionAction('shop', { version: 'not-semver' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid' } });
  });
});
