/**
 * One connection, one query at a time. Prisma runs the parts of one query (relations of an
 * `include`) side by side; inside a transaction they all go to the transaction's single
 * connection, and node-postgres warns ("Calling client.query() when the client is already
 * executing a query", removed in pg@9). The real flows that did it — a release advancing
 * wave by wave, the demo seed — must reach PostgreSQL one query after another.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { createService, createVersion, createRelease, advanceReleases } from '../services';
import { systemClock } from '../clock';

let tdb: TestDatabase;
/** Every query node-postgres was asked to run while its connection was still busy. */
const overlapping: string[] = [];
const original = pg.Client.prototype.query;

beforeAll(async () => {
  tdb = await createTestDatabase();
  // The condition pg itself warns on: a query handed to a client whose queue is not empty.
  pg.Client.prototype.query = function (this: pg.Client & { _queryQueue?: unknown[] }, ...args: unknown[]) {
    if ((this._queryQueue?.length ?? 0) > 0) overlapping.push(String((args[0] as { text?: string })?.text ?? args[0]).slice(0, 120));
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  for (const name of ['db-a', 'db-b']) {
    await createService(tdb.db, { name, template: { command: 'demo' } }, 'setup');
    await createVersion(tdb.db, name, { version: '1.0.0' }, 'setup');
  }
});
afterEach(() => {
  overlapping.length = 0;
});
afterAll(async () => {
  pg.Client.prototype.query = original;
  await tdb?.drop();
});

describe('queries sharing one connection', () => {
  it('a transaction reading a row with several relations sends its queries one at a time', async () => {
    const release = await createRelease({ db: tdb.db }, { items: [{ service: 'db-a', version: '1.0.0' }] }, 'setup');
    const items = await tdb.db.$transaction(async (tx) =>
      tx.releaseItem.findMany({ where: { releaseId: release.id }, include: { service: true, version: true, release: true, deployment: { select: { state: true } } } }),
    );
    expect(items).toHaveLength(1);
    expect(overlapping).toEqual([]);
  });

  it('a release advancing through its waves never overlaps queries on a connection', async () => {
    await createRelease({ db: tdb.db }, { items: [{ service: 'db-b', version: '1.0.0' }] }, 'setup');
    await advanceReleases({ db: tdb.db, clock: systemClock });
    await advanceReleases({ db: tdb.db, clock: systemClock });
    expect(overlapping).toEqual([]);
  });
});
