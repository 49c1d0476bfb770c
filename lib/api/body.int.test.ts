/**
 * Request bodies at the route handlers: every size limit applies before anything is read
 * (the release scope check included, which needs the body before authorisation completes),
 * a body is read once however many need it, and a client that leaves mid-body is recorded
 * as an abort — not a 500, not an "unexpected error" in the log.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { createTestToken } from '../testing/auth';
import { createService, createVersion } from '../services';
import * as releases from '@/app/api/v1/releases/route';
import * as versions from '@/app/api/v1/services/[name]/versions/route';

let tdb: TestDatabase;
const saved = process.env.DATABASE_URL;
const tok = { scoped: '', deployer: '' };

beforeAll(async () => {
  tdb = await createTestDatabase();
  process.env.DATABASE_URL = tdb.url;
  for (const name of ['alpha', 'beta']) {
    await createService(tdb.db, { name, template: { command: 'demo' } }, 'setup');
    await createVersion(tdb.db, name, { version: '1.0.0' }, 'setup');
  }
  tok.scoped = await createTestToken(tdb.db, 'deployer', { name: 'ci-alpha', serviceScope: ['alpha'] });
  tok.deployer = await createTestToken(tdb.db, 'deployer', { name: 'ci' });
});
afterAll(async () => {
  process.env.DATABASE_URL = saved;
  await tdb?.drop();
});

/** A request body that counts what is pulled from it, and can fail part-way like a socket reset. */
function countingBody(total: number, o: { chunk?: number; failAfter?: number; text?: string } = {}) {
  const chunk = o.chunk ?? 64 * 1024;
  const state = { pulled: 0 };
  const text = o.text ? Buffer.from(o.text) : null;
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      if (o.failAfter !== undefined && state.pulled >= o.failAfter) {
        c.error(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
        return;
      }
      if (text) {
        c.enqueue(text);
        state.pulled += text.length;
        c.close();
        return;
      }
      if (state.pulled >= total) return c.close();
      const n = Math.min(chunk, total - state.pulled);
      c.enqueue(new Uint8Array(n).fill(0x20));
      state.pulled += n;
    },
  }, { highWaterMark: 0 }); // nothing pulled until someone reads
  return { stream, state };
}

const post = (token: string, body: ReadableStream<Uint8Array>, headers: Record<string, string> = {}) =>
  new Request('http://localhost/api/v1/releases', { method: 'POST', headers: { authorization: `Bearer ${token}`, ...headers }, body, duplex: 'half' } as RequestInit);

describe('request bodies', () => {
  it('a release declaring 50 MB is refused before a byte is read — the scope check included', async () => {
    const { stream, state } = countingBody(50 * 1024 * 1024);
    const res = await releases.POST(post(tok.scoped, stream, { 'content-length': String(50 * 1024 * 1024) }), { params: Promise.resolve({}) } as never);
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toBe('request body over 1048576 bytes');
    expect(state.pulled).toBe(0);
  });

  it('a 50 MB release without a declared length is read no further than the limit, once', async () => {
    const { stream, state } = countingBody(50 * 1024 * 1024);
    const started = performance.now();
    const res = await releases.POST(post(tok.scoped, stream), { params: Promise.resolve({}) } as never);
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toBe('request body over 1048576 bytes');
    expect(state.pulled).toBeLessThanOrEqual(1024 * 1024 + 2 * 64 * 1024);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('the scope check and the route share one read of the body', async () => {
    const body = JSON.stringify({ items: [{ service: 'alpha', version: '1.0.0' }] });
    const { stream, state } = countingBody(0, { text: body });
    const res = await releases.POST(post(tok.scoped, stream), { params: Promise.resolve({}) } as never);
    expect(res.status, await res.clone().text()).toBe(202);
    expect(state.pulled).toBe(body.length);
    // …and a body naming a service out of scope is refused by the same single read.
    const other = countingBody(0, { text: JSON.stringify({ items: [{ service: 'beta', version: '1.0.0' }] }) });
    expect((await releases.POST(post(tok.scoped, other.stream), { params: Promise.resolve({}) } as never)).status).toBe(403);
  });

  it('a client that leaves mid-body is audited as an abort (499), with no unexpected error logged', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      for (const [what, call] of [
        ['release', () => releases.POST(post(tok.deployer, countingBody(10_000, { chunk: 100, failAfter: 300 }).stream), { params: Promise.resolve({}) } as never)],
        [
          'version',
          () =>
            versions.POST(
              new Request('http://localhost/x', { method: 'POST', headers: { authorization: `Bearer ${tok.deployer}` }, body: countingBody(10_000, { chunk: 100, failAfter: 300 }).stream, duplex: 'half' } as RequestInit),
              { params: Promise.resolve({ name: 'beta' }) },
            ),
        ],
      ] as const) {
        const res = await call();
        expect(res.status, what).toBe(499);
        expect((await res.json()).error.code).toBe('aborted');
        const entry = await tdb.db.auditEntry.findFirstOrThrow({ orderBy: { id: 'desc' } });
        expect(entry, what).toMatchObject({ actor: 'token:ci', outcome: 'aborted', status: 499 });
      }
      expect(logged).not.toHaveBeenCalled();
    } finally {
      logged.mockRestore();
    }
  });
});
