/**
 * A platform fault (the cluster or host under the runtime fails, not the version) pauses the
 * deployment with the reason on its timeline: no traffic moves, nothing is marked bad, and a
 * person's resume carries on from the same step once the platform answers again. While a
 * revert runs, a fault is retried instead (there is nothing better to return to).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/db';
import { ACTOR, World } from '../testing/fixtures';
import { RuntimeFault } from '../runtime/types';
import { getDeployment } from '../services/deployments';
import { controlDeployment } from '../services/control-deployment';
import { getService } from '../services/service-reads';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  await tdb.drop();
});

describe('runtime faults', () => {
  it('pause with the named reason, move no traffic, mark nothing bad; resume finishes the deployment', async () => {
    const w = new World(tdb.db);
    await w.service({ name: 'fault-svc', replicas: 2 }, ['1.0.0', '2.0.0']);
    expect((await w.deploy('fault-svc', { version: '1.0.0' })).state).toBe('succeeded');
    const before = await w.runtime.getRoutes('fault-svc');

    w.runtime.faults.set('setRoutes', new RuntimeFault('forbidden', 'httproutes.gateway.networking.k8s.io "fault-svc" is forbidden: cannot patch (missing RBAC verb patch)'));
    const { id, lease } = await w.start('fault-svc', { version: '2.0.0', strategy: 'blue-green' });
    await w.run(lease, { until: async () => (await getDeployment(w.db, id)).state === 'paused' });

    const paused = await getDeployment(w.db, id);
    expect(paused.state).toBe('paused');
    expect(paused.phase).toBe('paused: runtime fault (forbidden)');
    const fault = (await w.events(id)).find((e) => e.type === 'runtime_fault')!;
    expect(fault.message).toMatch(/forbidden.*missing RBAC verb patch/);
    expect(await w.runtime.getRoutes('fault-svc')).toEqual(before);
    expect((await getService(w.db, 'fault-svc')).versions.every((v) => !v.bad)).toBe(true);
    // Paused means paused: the worker does not retry on its own.
    const log = w.runtime.log.length;
    await w.orchestrator.advance(lease);
    expect(w.runtime.log.length).toBe(log);

    w.runtime.faults.delete('setRoutes');
    await controlDeployment(w.ctx, id, 'resume', {}, ACTOR);
    await w.run(lease);
    const done = await getDeployment(w.db, id);
    expect(done.state).toBe('succeeded');
    const routes = await w.runtime.getRoutes('fault-svc');
    expect(routes!.versions.filter((v) => v.weight > 0).map((v) => v.versionId)).toEqual([(await getService(w.db, 'fault-svc')).versions.find((v) => v.version === '2.0.0')!.id]);
  });

  it('during a revert a fault is retried, said once, and the revert completes when the platform answers', async () => {
    const w = new World(tdb.db);
    await w.service({ name: 'fault-revert', replicas: 1 }, ['1.0.0', { version: '2.0.0', config: { DEMO_CRASH_ON_START: '1' } }]);
    await w.deploy('fault-revert', { version: '1.0.0' });
    const { id, lease } = await w.start('fault-revert', { version: '2.0.0', strategy: 'rolling' });
    await w.run(lease, { until: async () => (await w.events(id)).some((e) => e.type === 'reverting') });
    w.runtime.faults.set('scale', new RuntimeFault('unreachable', 'connect ECONNREFUSED 10.0.0.1:6443'));
    for (let i = 0; i < 5; i++) {
      const r = await w.orchestrator.advance(lease);
      if (r.status === 'wait') w.clock.advance(r.ms);
    }
    const events = await w.events(id);
    expect(events.filter((e) => e.type === 'runtime_fault')).toHaveLength(1);
    expect(events.find((e) => e.type === 'runtime_fault')!.message).toMatch(/^While reverting: the runtime failed \(unreachable\)/);
    expect((await getDeployment(w.db, id)).state).toBe('running');
    w.runtime.faults.delete('scale');
    await w.run(lease);
    const end = await getDeployment(w.db, id);
    expect(end.state).toBe('failed');
    expect(end.reason).toMatch(/crashed on start/);
  });
});
