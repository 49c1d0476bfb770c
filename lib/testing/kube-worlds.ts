/**
 * The lifecycle every Kubernetes test file shares: one test database for the file, and the
 * KubeWorlds a test starts closed after it.
 *
 *   const k = kubeWorlds();
 *   it('…', async () => { const w = await k.world(); … k.tdb().db … });
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createTestDatabase, type TestDatabase } from './db';
import { KubeWorld } from './kube-world';

export function kubeWorlds() {
  let tdb: TestDatabase | undefined;
  const worlds: KubeWorld[] = [];
  beforeAll(async () => {
    tdb = await createTestDatabase();
  });
  afterEach(async () => {
    for (const w of worlds.splice(0)) await w.close();
  });
  afterAll(async () => {
    await tdb?.drop();
  });
  const db = (): TestDatabase => {
    if (!tdb) throw new Error('the test database is made in beforeAll: use it inside a test');
    return tdb;
  };
  return {
    tdb: db,
    async world(opts?: Parameters<typeof KubeWorld.start>[1]): Promise<KubeWorld> {
      const w = await KubeWorld.start(db().db, opts);
      worlds.push(w);
      return w;
    },
  };
}
