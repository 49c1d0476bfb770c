/**
 * Cluster faults during a real deployment on Kubernetes: the API server unreachable, 401, 403
 * (naming the missing RBAC), 409, 422 (with the API's message) and a pod watch that dropped and
 * does not come back. Each one, arriving at the moment traffic is to switch, pauses the
 * deployment with the reason on its timeline; the traffic stays exactly where it was (the
 * HTTPRoute's weights and the stable Service's selector unchanged), nothing is marked bad, and a
 * person's resume finishes the deployment once the cluster answers again.
 */
import { describe, expect, it } from 'vitest';
import { kubeWorlds } from '../../testing/kube-worlds';
import { until } from '../../testing/until';
import { KUBE_ACTOR, KubeWorld, NAMESPACE } from '../../testing/kube-world';
import { getDeployment } from '../../services/deployments';
import { controlDeployment } from '../../services/control-deployment';
import { getService } from '../../services/service-reads';

const k = kubeWorlds();
const world = k.world;

let n = 0;

/**
 * Deploys v1 of a fresh service, then v2 blue-green; once green is ready, `inject` breaks the
 * cluster. Checks the pause and everything it must leave alone, then `heal`s, resumes, finishes.
 */
async function faultAtTheSwitch(opts: { inject: (w: KubeWorld) => unknown; heal: (w: KubeWorld) => unknown; kind: string; message: RegExp }) {
  const w = await world({ runtime: { watchGraceMs: 300 } });
  const name = `fault-${++n}`;
  await w.service({ name, replicas: 2 }, ['1.0.0', '2.0.0']);
  expect((await w.deploy(name, { version: '1.0.0' })).state).toBe('succeeded');
  const { id, lease } = await w.start(name, { version: '2.0.0', strategy: 'blue-green', params: { scaleDownDelaySeconds: 0 } });
  await w.run(lease, { until: async () => (await w.events(id)).some((e) => e.type === 'instances_ready') });
  const route = w.api.get('httproutes', NAMESPACE, name);
  const stable = w.api.get('services', NAMESPACE, name);
  const weights = w.weights(name);
  expect(weights).toEqual({ [`${name}-1-0-0`]: 2 });

  await opts.inject(w);
  await w.run(lease, { until: async () => (await getDeployment(w.db, id)).state === 'paused' });
  const paused = await getDeployment(w.db, id);
  expect(paused.phase).toBe(`paused: runtime fault (${opts.kind})`);
  const fault = (await w.events(id)).find((e) => e.type === 'runtime_fault')!;
  expect(fault.message).toMatch(/^Paused: the runtime failed/);
  expect(fault.message).toMatch(opts.message);
  expect(fault.message).toMatch(/Nothing was marked bad and no traffic moved; resume once it is fixed\.$/);
  // No partial shift: the HTTPRoute routes as it did (put back, at worst), the stable Service was never written.
  const routeNow = w.api.get('httproutes', NAMESPACE, name);
  expect([routeNow.spec, routeNow.metadata.annotations['flightdeck.dev/routes']]).toEqual([route.spec, route.metadata.annotations['flightdeck.dev/routes']]);
  expect(w.api.get('services', NAMESPACE, name).metadata.resourceVersion).toBe(stable.metadata.resourceVersion);
  expect(w.weights(name)).toEqual(weights);
  expect((await getService(w.db, name)).versions.every((v) => !v.bad)).toBe(true);
  expect((await w.events(id)).some((e) => e.type === 'traffic_shifted')).toBe(false);

  await opts.heal(w);
  await controlDeployment(w.ctx, id, 'resume', {}, KUBE_ACTOR);
  await w.run(lease);
  expect((await getDeployment(w.db, id)).state).toBe('succeeded');
  expect(w.weights(name)).toEqual({ [`${name}-2-0-0`]: 100 });
  return { w, fault };
}

describe('a cluster fault pauses a Kubernetes deployment with the reason, moves no traffic, marks nothing bad', () => {
  it('the API server is unreachable', async () => {
    await faultAtTheSwitch({
      inject: (w) => w.api.refuseConnections(),
      heal: (w) => w.api.resume(),
      kind: 'unreachable',
      message: /Kubernetes API server http:\/\/127\.0\.0\.1:\d+ is unreachable: .*ECONNREFUSED/,
    });
  });

  it('401: the credentials are refused', async () => {
    await faultAtTheSwitch({
      inject: (w) => w.api.inject({ status: 401, times: 1_000 }),
      heal: (w) => w.api.allowAll(),
      kind: 'unauthorized',
      message: /Kubernetes API refused Flightdeck's credentials \(401 Unauthorized\) while trying to (get|list) /,
    });
  });

  it('403: the Role lacks a verb, and the fault names it; the HTTPRoute already written is put back', async () => {
    const { fault } = await faultAtTheSwitch({
      inject: (w) => w.api.deny('patch', 'services'),
      heal: (w) => w.api.allowAll(),
      kind: 'forbidden',
      message: /Flightdeck lacks the RBAC permission to patch services in namespace flightdeck \(403 Forbidden\): services "fault-\d+" is forbidden: User "system:serviceaccount:flightdeck:flightdeck" cannot patch resource "services".* \(the HTTPRoute weights were put back as they were\)/,
    });
    expect(fault.data.details).toMatchObject({ missingRbac: { verbs: ['patch'], apiGroups: [''], resources: ['services'], namespace: NAMESPACE }, routeRestored: true });
  });

  it('409: the object keeps changing under every conditional write', async () => {
    let attempts = 0;
    await faultAtTheSwitch({
      inject: (w) => {
        w.api.inject({ verb: 'patch', resource: 'httproutes', status: 409, times: 1_000 });
        w.beforeRequest = (r) => {
          if (r.verb === 'patch' && r.resource === 'httproutes') attempts++;
        };
      },
      heal: (w) => {
        w.api.allowAll();
        w.beforeRequest = null;
      },
      kind: 'conflict',
      message: /Kubernetes refused to patch httproutes\.gateway\.networking\.k8s\.io flightdeck\/fault-\d+ \(409 Conflict\): Operation cannot be fulfilled .*the object has been modified/,
    });
    // Read again and retried before giving up: three attempts.
    expect(attempts).toBe(3);
  });

  it('422: the API server rejects the object, and its message is shown', async () => {
    const apiMessage = 'HTTPRoute.gateway.networking.k8s.io "x" is invalid: spec.parentRefs[0]: Invalid value: "public": Gateway gateways/public does not allow routes from namespace flightdeck';
    await faultAtTheSwitch({
      inject: (w) => w.api.inject({ verb: 'patch', resource: 'httproutes', status: 422, message: apiMessage }),
      heal: () => undefined,
      kind: 'invalid',
      message: new RegExp(`Kubernetes rejected httproutes\\.gateway\\.networking\\.k8s\\.io flightdeck/fault-\\d+ as invalid \\(422\\): ${apiMessage.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
    });
  });

  it('the pod watch dropped and cannot come back', async () => {
    await faultAtTheSwitch({
      inject: async (w) => {
        const name = `fault-${n}`;
        w.api.deny('watch', 'pods');
        expect(w.api.dropWatches()).toBeGreaterThan(0);
        const watcher = w.runtime.watcherOf(name)!;
        await until('the watch to stay down past its grace', () => watcher.downSince !== null && Date.now() - watcher.downSince > 300);
      },
      heal: async (w) => {
        w.api.allowAll();
        const watcher = w.runtime.watcherOf(`fault-${n}`)!;
        await until('the watch to come back', () => watcher.downSince === null);
      },
      kind: 'unreachable',
      message: /the watch on the pods of fault-\d+ in namespace flightdeck dropped \d+ s ago and has not come back \(403 Forbidden\): Flightdeck would not see its pods crash or restart/,
    });
  });
});
