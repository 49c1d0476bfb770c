/**
 * Server actions go through the same rules as the REST API: every admin action refuses an
 * anonymous caller, a viewer, a deployer and a cross-site caller — auditing each refusal and
 * writing nothing — and runs for an admin from this site.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { createUser } from './users';
import { login } from './sessions';

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
vi.mock('next/cache', () => ({ revalidatePath: () => {} }));

let tdb: TestDatabase;
const saved = process.env.DATABASE_URL;
const cookies: Record<string, string> = {};

beforeAll(async () => {
  tdb = await createTestDatabase();
  process.env.DATABASE_URL = tdb.url;
  for (const role of ['viewer', 'deployer', 'admin'] as const) {
    await createUser(tdb.db, { email: `${role}@example.com`, password: `${role}-password-1`, role }, 'setup');
    cookies[role] = `fd_session=${(await login(tdb.db, { email: `${role}@example.com`, password: `${role}-password-1` })).secret}`;
  }
});
afterAll(async () => {
  process.env.DATABASE_URL = saved;
  await tdb.drop();
});

const form = (o: Record<string, string>) => {
  const f = new FormData();
  for (const [k, v] of Object.entries(o)) f.set(k, v);
  return f;
};

describe('server actions', () => {
  it('every admin action: anonymous, viewer, deployer and cross-site are refused and audited; nothing written', async () => {
    const a = await import('@/app/admin/actions');
    const token = await tdb.db.apiToken.create({ data: { name: 'keep', prefix: 'fdt_x', tokenHash: 'h'.repeat(64), role: 'viewer', createdBy: 'setup' } });
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['createUserAction', () => a.createUserAction(undefined, form({ email: 'mallory@example.com', password: 'mallory-password', role: 'admin' }))],
      ['updateUserAction', () => a.updateUserAction(undefined, form({ id: 'viewer@example.com', role: 'admin' }))],
      ['createTokenAction', () => a.createTokenAction(undefined, form({ name: 'stolen', role: 'admin' }))],
      ['revokeTokenAction', () => a.revokeTokenAction(form({ id: token.id }))],
    ];
    const snapshot = async () => JSON.stringify([await tdb.db.user.findMany({ orderBy: { email: 'asc' }, select: { email: true, role: true } }), await tdb.db.apiToken.findMany({ select: { name: true, revokedAt: true } })]);
    for (const [name, call] of calls) {
      for (const [who, cookie, origin, message, outcome] of [
        ['anonymous', '', 'http://localhost:3000', /not signed in/, 'unauthenticated'],
        ['viewer', cookies.viewer!, 'http://localhost:3000', /needs the admin role/, 'denied'],
        ['deployer', cookies.deployer!, 'http://localhost:3000', /needs the admin role/, 'denied'],
        ['cross-site admin', cookies.admin!, 'https://evil.example', /cross-site/, 'denied'],
      ] as const) {
        Object.assign(request, { cookie, origin });
        const before = await snapshot();
        const r = (await call()) as { error?: string };
        expect(r.error, `${name} as ${who}`).toMatch(message);
        expect(await snapshot()).toBe(before);
        const last = await tdb.db.auditEntry.findFirstOrThrow({ orderBy: { id: 'desc' } });
        expect(last.outcome, `${name} as ${who}`).toBe(outcome);
      }
    }
    Object.assign(request, { cookie: cookies.admin, origin: 'http://localhost:3000' });
    const made = (await a.createTokenAction(undefined, form({ name: 'ci', role: 'deployer' }))) as { token?: string };
    expect(made.token).toMatch(/^fdt_/);
    expect(await tdb.db.auditEntry.findFirstOrThrow({ orderBy: { id: 'desc' } })).toMatchObject({ actor: 'admin@example.com', action: 'token.create', outcome: 'ok' });
    const bad = (await a.createUserAction(undefined, form({ email: 'x@example.com', password: 'short' }))) as { error?: string };
    expect(bad.error).toMatch(/at least 12 characters/);
  });
});
