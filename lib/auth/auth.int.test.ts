/**
 * Secrets at rest and sign-in: passwords, API tokens and session cookies are stored only as
 * hashes (read the rows back); repeated bad sign-ins are blocked; the first admin appears on
 * an empty database only; a revoked token stops working at once and its last use is kept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { createApiToken, createUser, revokeApiToken, updateUser } from './users';
import { login, LOGIN_MAX_FAILURES, LOGIN_WINDOW_MS } from './sessions';
import { principalFromToken, resolvePrincipal } from './principal';
import { ensureFirstAdmin } from './bootstrap';
import { needsRehash, verifyPassword } from './password';
import { legacyScryptHash } from '../testing/auth';
import * as loginRoute from '@/app/api/v1/auth/login/route';
import * as me from '@/app/api/v1/auth/me/route';

let tdb: TestDatabase;
const saved = process.env.DATABASE_URL;
beforeAll(async () => {
  tdb = await createTestDatabase();
  process.env.DATABASE_URL = tdb.url;
});
afterAll(async () => {
  process.env.DATABASE_URL = saved;
  await tdb.drop();
});

/** Every text value of every row of these tables, to search for a secret. */
async function allText(): Promise<string> {
  const rows = await tdb.db.$queryRawUnsafe<unknown[]>(`
    SELECT row_to_json(t)::text AS j FROM users t UNION ALL SELECT row_to_json(t)::text FROM api_tokens t
    UNION ALL SELECT row_to_json(t)::text FROM sessions t UNION ALL SELECT row_to_json(t)::text FROM audit_log t`);
  return JSON.stringify(rows);
}

describe('secrets at rest', () => {
  it('a password is stored as an Argon2id hash (OWASP parameters or stronger), salted, and never in plain text', async () => {
    const password = 'plain-text-password-42';
    await createUser(tdb.db, { email: 'Dana@Example.com', password, role: 'deployer' }, 'setup');
    await createUser(tdb.db, { email: 'erin@example.com', password, role: 'viewer' }, 'setup');
    const [dana, erin] = await Promise.all([tdb.db.user.findUniqueOrThrow({ where: { email: 'dana@example.com' } }), tdb.db.user.findUniqueOrThrow({ where: { email: 'erin@example.com' } })]);
    const m = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]{22,}\$[A-Za-z0-9+/]{43,}$/.exec(dana.passwordHash);
    expect(m, dana.passwordHash).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(19 * 1024); // KiB
    expect(Number(m![2])).toBeGreaterThanOrEqual(2);
    expect(Number(m![3])).toBeGreaterThanOrEqual(1);
    expect(dana.passwordHash).not.toBe(erin.passwordHash); // salted
    expect(await verifyPassword(password, dana.passwordHash)).toBe(true);
    expect(await verifyPassword('plain-text-password-43', dana.passwordHash)).toBe(false);
    expect(await allText()).not.toContain(password);
  });

  it('an old scrypt hash still signs in, and that sign-in replaces it with Argon2id; a wrong password upgrades nothing', async () => {
    const password = 'legacy-password-77';
    const old = await legacyScryptHash(password);
    await tdb.db.user.create({ data: { email: 'legacy@example.com', passwordHash: old, role: 'viewer', createdBy: 'setup' } });
    await expect(login(tdb.db, { email: 'legacy@example.com', password: 'not-the-password' })).rejects.toThrow(/wrong email or password/);
    expect((await tdb.db.user.findUniqueOrThrow({ where: { email: 'legacy@example.com' } })).passwordHash).toBe(old);
    await login(tdb.db, { email: 'legacy@example.com', password });
    const upgraded = (await tdb.db.user.findUniqueOrThrow({ where: { email: 'legacy@example.com' } })).passwordHash;
    expect(upgraded).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(needsRehash(upgraded)).toBe(false);
    expect(needsRehash(old)).toBe(true);
    expect(needsRehash('$argon2id$v=19$m=4096,t=3,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g')).toBe(true);
    expect(await verifyPassword(password, upgraded)).toBe(true);
    // …and the next sign-in verifies against the new hash (and leaves it alone).
    await login(tdb.db, { email: 'legacy@example.com', password });
    expect((await tdb.db.user.findUniqueOrThrow({ where: { email: 'legacy@example.com' } })).passwordHash).toBe(upgraded);
    expect(await verifyPassword(password, 'scrypt$1$1$1$$')).toBe(false); // a corrupt hash verifies nothing
    expect(await verifyPassword(password, '$argon2id$garbage')).toBe(false);
  });

  it('an API token is shown once and stored as its SHA-256; the session cookie likewise', async () => {
    const t = await createApiToken(tdb.db, { name: 'ci', role: 'deployer' }, 'setup');
    expect(t.token).toMatch(/^fdt_[A-Za-z0-9_-]{43}$/);
    const row = await tdb.db.apiToken.findUniqueOrThrow({ where: { id: t.id } });
    expect(row.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.prefix).toBe(t.token.slice(0, 10));
    const s = await login(tdb.db, { email: 'dana@example.com', password: 'plain-text-password-42' });
    const text = await allText();
    expect(text).not.toContain(t.token);
    expect(text).not.toContain(t.token.slice(10));
    expect(text).not.toContain(s.secret);
    // …and both still authenticate.
    expect((await principalFromToken(tdb.db, t.token)).actor).toBe('token:ci');
    expect((await resolvePrincipal(tdb.db, { cookie: `other=1; fd_session=${s.secret}` }))?.actor).toBe('dana@example.com');
  });

  it('a revoked token is refused at once; its last use stays recorded', async () => {
    const t = await createApiToken(tdb.db, { name: 'short-lived', role: 'viewer' }, 'setup');
    const ok = await me.GET(new Request('http://localhost/x', { headers: { authorization: `Bearer ${t.token}` } }), { params: Promise.resolve({}) } as never);
    expect(ok.status).toBe(200);
    expect((await tdb.db.apiToken.findUniqueOrThrow({ where: { id: t.id } })).lastUsedAt).not.toBeNull();
    await revokeApiToken(tdb.db, t.id, 'admin@example.com');
    const no = await me.GET(new Request('http://localhost/x', { headers: { authorization: `Bearer ${t.token}` } }), { params: Promise.resolve({}) } as never);
    expect(no.status).toBe(401);
    expect(((await no.json()) as any).error.message).toMatch(/short-lived was revoked/);
  });

  it('disabling a user or changing the password ends their sessions', async () => {
    await createUser(tdb.db, { email: 'frank@example.com', password: 'frank-password-1', role: 'viewer' }, 'setup');
    const s = await login(tdb.db, { email: 'frank@example.com', password: 'frank-password-1' });
    expect(await resolvePrincipal(tdb.db, { cookie: `fd_session=${s.secret}` })).not.toBeNull();
    await updateUser(tdb.db, 'frank@example.com', { disabled: true }, 'admin@example.com');
    expect(await resolvePrincipal(tdb.db, { cookie: `fd_session=${s.secret}` })).toBeNull();
    await expect(login(tdb.db, { email: 'frank@example.com', password: 'frank-password-1' })).rejects.toThrow(/wrong email or password/);
  });
});

describe('sign-in', () => {
  const post = (body: unknown, ip = '203.0.113.7') =>
    loginRoute.POST(new Request('http://localhost/api/v1/auth/login', { method: 'POST', headers: { 'x-forwarded-for': ip }, body: JSON.stringify(body) }), { params: Promise.resolve({}) } as never);

  it('sets an HttpOnly, SameSite=Lax session cookie (Secure over HTTPS)', async () => {
    await createUser(tdb.db, { email: 'gina@example.com', password: 'gina-password-1', role: 'admin' }, 'setup');
    const res = await post({ email: 'GINA@example.com', password: 'gina-password-1' });
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^fd_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Expires=/);
    expect(cookie).not.toMatch(/Secure/);
    const https = await loginRoute.POST(
      new Request('http://localhost/x', { method: 'POST', headers: { 'x-forwarded-proto': 'https' }, body: JSON.stringify({ email: 'gina@example.com', password: 'gina-password-1' }) }),
      { params: Promise.resolve({}) } as never,
    );
    expect(https.headers.get('set-cookie')).toMatch(/; Secure$/);
  });

  it('a sign-in posted from another site is refused before the password is even checked', async () => {
    const res = await loginRoute.POST(
      new Request('http://localhost/x', { method: 'POST', headers: { origin: 'https://evil.example', host: 'localhost' }, body: JSON.stringify({ email: 'gina@example.com', password: 'gina-password-1' }) }),
      { params: Promise.resolve({}) } as never,
    );
    expect(res.status).toBe(403);
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it(`repeated bad sign-ins are blocked: after ${LOGIN_MAX_FAILURES} failures even the right password gets 429 until the window passes`, async () => {
    await createUser(tdb.db, { email: 'hank@example.com', password: 'hank-password-1', role: 'viewer' }, 'setup');
    for (let i = 0; i < LOGIN_MAX_FAILURES; i++) {
      const r = await post({ email: 'hank@example.com', password: `guess-${i}` });
      expect(r.status).toBe(401);
      expect(((await r.json()) as any).error.message).toBe('wrong email or password');
    }
    const blocked = await post({ email: 'hank@example.com', password: 'hank-password-1' });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await blocked.json()) as any).error).toMatchObject({ code: 'rate_limited', message: expect.stringMatching(/too many failed sign-ins/) });
    // Another address does not unlock the account…
    expect((await post({ email: 'hank@example.com', password: 'hank-password-1' }, '198.51.100.1')).status).toBe(429);
    // …an unknown email costs as much as a known one, and is counted too.
    expect((await post({ email: 'nobody@example.com', password: 'x' })).status).toBe(401);
    const audit = await tdb.db.auditEntry.findMany({ where: { action: 'login', actor: 'hank@example.com' }, orderBy: { id: 'asc' } });
    expect(audit.map((a) => a.outcome)).toEqual([...Array(LOGIN_MAX_FAILURES).fill('denied'), 'rate_limited', 'rate_limited']);
    // Once the failures are older than the window, the right password works again.
    await tdb.db.loginFailure.updateMany({ where: { email: 'hank@example.com' }, data: { at: new Date(Date.now() - LOGIN_WINDOW_MS - 1000) } });
    expect((await post({ email: 'hank@example.com', password: 'hank-password-1' })).status).toBe(200);
  });
});

describe('first admin', () => {
  it('is created on an empty database from the environment, printed how to sign in, and only once', async () => {
    const empty = await createTestDatabase();
    try {
      const logs: string[] = [];
      await ensureFirstAdmin(empty.db, { FLIGHTDECK_ADMIN_EMAIL: 'Root@Example.com', FLIGHTDECK_ADMIN_PASSWORD: 'root-password-1' }, (m) => logs.push(m));
      expect(logs.join('\n')).toMatch(/sign in at \/login as root@example\.com/);
      const admin = await empty.db.user.findUniqueOrThrow({ where: { email: 'root@example.com' } });
      expect(admin.role).toBe('admin');
      expect(await verifyPassword('root-password-1', admin.passwordHash)).toBe(true);
      await ensureFirstAdmin(empty.db, { FLIGHTDECK_ADMIN_EMAIL: 'other@example.com', FLIGHTDECK_ADMIN_PASSWORD: 'x' }, (m) => logs.push(m));
      expect(await empty.db.user.count()).toBe(1);

      const gen = await createTestDatabase();
      try {
        const out: string[] = [];
        await ensureFirstAdmin(gen.db, {}, (m) => out.push(m));
        const pw = /with password (\S+)/.exec(out.join('\n'))![1]!;
        const row = await gen.db.user.findUniqueOrThrow({ where: { email: 'admin@localhost' } });
        expect(await verifyPassword(pw, row.passwordHash)).toBe(true);
      } finally {
        await gen.drop();
      }
    } finally {
      await empty.drop();
    }
  });
});
