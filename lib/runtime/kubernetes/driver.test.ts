import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startKubeApiServer, type KubeApiServer } from '../../testing/kube-apiserver';
import { isRuntimeFault, StaleFenceError, type RuntimeFault, type Workload } from '../types';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isAppError } from '../../errors/app-error';
import { kubeObjectProblems } from '../../testing/kube-apiserver/schemas';
import { KubernetesRuntime } from './driver';
import { kubernetesOptionsFromEnv, type KubernetesRuntimeOptions } from './config';
import { missingKubernetesConfig } from './preflight';
import { RBAC_RULES, rbacObjects } from './rbac';
import { kubernetesResolver } from './resolver';

const NS = 'payment-gateway';
let api: KubeApiServer;
const runtimes: KubernetesRuntime[] = [];

function runtime(extra: Partial<KubernetesRuntimeOptions> = {}): KubernetesRuntime {
  const r = new KubernetesRuntime({ kubeConfig: api.kubeConfig(), gateway: { name: 'public', namespace: 'gateways' }, watchRetryMs: 20, requestTimeoutMs: 3000, ...extra });
  runtimes.push(r);
  return r;
}

function workload(semver: string, deploymentId = 'dep-1'): Workload {
  return {
    service: 'payment-gateway',
    versionId: `vid-${semver}`,
    semver,
    deploymentId,
    command: 'node',
    args: ['server.js'],
    env: { DB_URL: 'postgres://db/pay' },
    healthPath: '/healthz',
    image: `registry.example.com/pay:${semver}`,
    port: 8080,
  };
}

async function until<T>(fn: () => T | undefined | false | null | Promise<T | undefined | false | null>, what: string, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function fault(p: Promise<unknown>): Promise<RuntimeFault> {
  try {
    await p;
  } catch (e) {
    if (isRuntimeFault(e)) return e;
    throw e;
  }
  throw new Error('expected a RuntimeFault');
}

const patches = () => api.requests.filter((r) => r.verb === 'patch').length;

beforeEach(async () => {
  api = await startKubeApiServer();
  api.createNamespace(NS);
});
afterEach(async () => {
  for (const r of runtimes.splice(0)) r.close();
  await api.close();
  // Everything the driver asked of the API server is covered by the Role Flightdeck documents.
  const allowed = (verb: string, resource: string) => RBAC_RULES.some((rule) => rule.resources.includes(resource) && rule.verbs.includes(verb));
  const uncovered = api.requests.filter((r) => r.resource && r.verb !== 'other' && !allowed(r.verb, r.resource)).map((r) => `${r.verb} ${r.resource}`);
  expect(uncovered).toEqual([]);
});

describe('Kubernetes runtime against the API server double', () => {
  it('scales a version up and down by slots, idempotently, with server-side apply as flightdeck', async () => {
    const k8s = runtime();
    const fence = { service: 'payment-gateway', token: 1 };
    await k8s.scale(fence, workload('2.2.0'), [0, 1, 2], 10_000);
    const up = await until(async () => {
      const l = await k8s.list('payment-gateway');
      return l.length === 3 && l;
    }, 'three instances');
    expect(up.map((i) => [i.slot, i.versionId, i.semver, i.deploymentId, i.state])).toEqual([
      [0, 'vid-2.2.0', '2.2.0', 'dep-1', 'running'],
      [1, 'vid-2.2.0', '2.2.0', 'dep-1', 'running'],
      [2, 'vid-2.2.0', '2.2.0', 'dep-1', 'running'],
    ]);
    expect(await k8s.probe(up[0]!.id, '/healthz', 1000)).toBe(true);
    const writes = api.requests.filter((r) => r.verb === 'patch');
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.every((w) => w.fieldManager === 'flightdeck' && w.contentType === 'application/apply-patch+yaml' && w.force === false)).toBe(true);
    const d = api.get('deployments', NS, 'payment-gateway-2-2-0');
    expect(d.metadata.annotations['flightdeck.dev/fence']).toBe('1');
    expect(d.metadata.annotations['flightdeck.dev/slots']).toBe('0,1,2');

    // The same call again changes nothing on the server.
    const before = [patches(), d.metadata.resourceVersion];
    await k8s.scale(fence, workload('2.2.0'), [0, 1, 2], 10_000);
    expect([patches(), api.get('deployments', NS, 'payment-gateway-2-2-0').metadata.resourceVersion]).toEqual(before);

    // Another deployment scaling the same version keeps its pods and records who asked for the new slot.
    await k8s.scale(fence, workload('2.2.0', 'dep-2'), [0, 1, 2, 3], 10_000);
    const four = await until(async () => {
      const l = await k8s.list('payment-gateway');
      return l.length === 4 && l;
    }, 'four instances');
    expect(four.slice(0, 3).map((i) => i.id)).toEqual(up.map((i) => i.id));
    expect(four.map((i) => i.deploymentId)).toEqual(['dep-1', 'dep-1', 'dep-1', 'dep-2']);

    await k8s.scale(fence, workload('2.2.0'), [2, 3], 10_000);
    const down = await until(async () => {
      const l = await k8s.list('payment-gateway');
      return l.length === 2 && l;
    }, 'two instances');
    expect(down.map((i) => i.slot)).toEqual([2, 3]);
    expect(api.get('deployments', NS, 'payment-gateway-2-2-0').spec.replicas).toBe(2);
  });

  it('sets HTTPRoute weights and the stable Service in one table, and reads the table back', async () => {
    const k8s = runtime();
    const fence = { service: 'payment-gateway', token: 3 };
    await k8s.scale(fence, workload('2.2.0'), [0, 1], 0);
    await k8s.scale(fence, workload('2.3.0'), [0], 0);
    expect(await k8s.getRoutes('payment-gateway')).toBeNull();
    const canary = { service: 'payment-gateway', versions: [{ versionId: 'vid-2.2.0', weight: 90 }, { versionId: 'vid-2.3.0', weight: 10 }] };
    await k8s.setRoutes(fence, canary);
    const route = api.get('httproutes', NS, 'payment-gateway');
    expect(route.spec.rules[0].backendRefs.map((b: { name: string; weight: number }) => [b.name, b.weight])).toEqual([
      ['payment-gateway-2-2-0', 90],
      ['payment-gateway-2-3-0', 10],
    ]);
    expect(route.spec.parentRefs[0]).toMatchObject({ name: 'public', namespace: 'gateways' });
    expect(route.metadata.annotations['flightdeck.dev/fence']).toBe('3');
    expect(await k8s.getRoutes('payment-gateway')).toEqual(canary);
    const n = patches();
    await k8s.setRoutes(fence, canary);
    expect(patches()).toBe(n);

    const promoted = { service: 'payment-gateway', versions: [{ versionId: 'vid-2.2.0', weight: 0 }, { versionId: 'vid-2.3.0', weight: 100 }] };
    await k8s.setRoutes(fence, promoted);
    expect(api.get('services', NS, 'payment-gateway').spec.selector).toEqual({ 'flightdeck.dev/service': 'payment-gateway', 'flightdeck.dev/version': '2.3.0' });
    expect(api.get('httproutes', NS, 'payment-gateway').spec.rules[0].backendRefs.map((b: { weight: number }) => b.weight)).toEqual([0, 100]);

    const unknown = await fault(k8s.setRoutes(fence, { service: 'payment-gateway', versions: [{ versionId: 'vid-9.9.9', weight: 100 }] }));
    expect(unknown.kind).toBe('invalid');
    expect(unknown.message).toMatch(/names version vid-9.9.9, which has no Deployment here/);
  });

  it('without a Gateway, routes by the stable Service alone', async () => {
    const k8s = runtime({ gateway: undefined });
    const fence = { service: 'payment-gateway', token: 1 };
    await k8s.scale(fence, workload('2.2.0'), [0], 0);
    await k8s.setRoutes(fence, { service: 'payment-gateway', versions: [{ versionId: 'vid-2.2.0', weight: 100 }] });
    expect(api.get('httproutes', NS, 'payment-gateway')).toBeUndefined();
    expect(api.get('services', NS, 'payment-gateway').spec.selector['flightdeck.dev/version']).toBe('2.2.0');
    expect(await k8s.getRoutes('payment-gateway')).toEqual({ service: 'payment-gateway', versions: [{ versionId: 'vid-2.2.0', weight: 100 }] });
  });

  it('shows pod-level reasons verbatim: CrashLoopBackOff, ImagePullBackOff, OOMKilled, CreateContainerConfigError', async () => {
    const k8s = runtime();
    await k8s.scale({ service: 'payment-gateway', token: 1 }, workload('2.3.0'), [0, 1, 2], 0);
    const pods = await until(() => api.pods(NS).length === 3 && api.pods(NS), 'three pods');
    api.setPod(NS, pods[0].metadata.name, { ready: false, restarts: 5, waiting: { reason: 'CrashLoopBackOff', message: 'back-off 1m20s' }, lastTerminated: { reason: 'OOMKilled', exitCode: 137 } });
    api.setPod(NS, pods[1].metadata.name, { ready: false, waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image' } });
    api.setPod(NS, pods[2].metadata.name, { ready: false, waiting: { reason: 'CreateContainerConfigError', message: 'secret "pay" not found' } });
    const list = await k8s.list('payment-gateway');
    expect(list.map((i) => [i.reason, i.exitReason, i.exitCode, i.restarts])).toEqual([
      ['CrashLoopBackOff', 'OOMKilled', 137, 5],
      ['ImagePullBackOff', undefined, undefined, 0],
      ['CreateContainerConfigError', undefined, undefined, 0],
    ]);
    expect(await k8s.probe(list[0]!.id, '/healthz', 1000)).toBe(false);
    expect(await k8s.probe('no-such-pod', '/healthz', 1000)).toBe(false);
  });

  it('a pod no node can take is the Unschedulable reason on its instance, and a capacity fault when probed (never a failed version)', async () => {
    const k8s = runtime({ watch: false });
    await k8s.scale({ service: 'payment-gateway', token: 1 }, workload('2.3.0'), [0], 0);
    const [pod] = await until(() => api.pods(NS).length === 1 && api.pods(NS), 'the pod');
    const message = '0/3 nodes are available: 3 Insufficient memory.';
    api.store.put('pods', NS, { ...pod, status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }] } });
    const [instance] = await k8s.list('payment-gateway');
    expect(instance).toMatchObject({ reason: 'Unschedulable', state: 'running' });
    const f = await fault(k8s.probe(instance!.id, '/healthz', 1000));
    expect(f.kind).toBe('capacity');
    expect(f.message).toBe(`pod ${NS}/${instance!.id} cannot be scheduled (Unschedulable): ${message}`);
  });

  it('records container restarts as crashes, also those that happened while the watch was down', async () => {
    const k8s = runtime();
    await k8s.scale({ service: 'payment-gateway', token: 1 }, workload('2.3.0'), [0], 0);
    const [pod] = await until(async () => {
      const l = await k8s.list('payment-gateway');
      return l.length === 1 && l;
    }, 'one instance');
    await until(() => api.openWatches() === 1, 'the pod watch');
    api.setPod(NS, pod!.id, { restarts: 1, lastTerminated: { reason: 'Error', exitCode: 1 } });
    await until(async () => (await k8s.crashesAfter(0)).length === 1, 'a crash record');
    expect(api.dropWatches()).toBe(1);
    api.setPod(NS, pod!.id, { restarts: 2, lastTerminated: { reason: 'OOMKilled', exitCode: 137 } });
    const crashes = await until(async () => {
      const c = await k8s.crashesAfter(0);
      return c.length === 2 && c;
    }, 'the crash missed while disconnected');
    expect(crashes.map((c) => [c.seq, c.instanceId, c.versionId, c.deploymentId, c.exitCode, c.reason, c.restarted])).toEqual([
      [1, pod!.id, 'vid-2.3.0', 'dep-1', 1, 'Error', true],
      [2, pod!.id, 'vid-2.3.0', 'dep-1', 137, 'OOMKilled', true],
    ]);
    await until(() => api.openWatches() === 1, 'the watch to come back');
    expect(await k8s.crashesAfter(1)).toHaveLength(1);
  });
});

describe('cluster faults become RuntimeFaults with the reason, and change nothing after them', () => {
  const fence = { service: 'payment-gateway', token: 1 };

  it('unreachable', async () => {
    const k8s = runtime();
    await api.refuseConnections();
    const f = await fault(k8s.scale(fence, workload('2.3.0'), [0], 0));
    expect(f.kind).toBe('unreachable');
    expect(f.message).toMatch(new RegExp(`Kubernetes API server ${api.url.replace(/\./g, '\\.')} is unreachable: .*ECONNREFUSED`));
    await api.resume();
    await k8s.scale(fence, workload('2.3.0'), [0], 0);
    expect(api.get('deployments', NS, 'payment-gateway-2-3-0').spec.replicas).toBe(1);
    // A probe that cannot reach the API server is a fault, never a failed instance.
    const [pod] = await until(async () => {
      const l = await k8s.list('payment-gateway');
      return l.length === 1 && l;
    }, 'the instance');
    await api.refuseConnections();
    expect((await fault(k8s.probe(pod!.id, '/healthz', 1000))).kind).toBe('unreachable');
    await api.resume();
  });

  it('401 unauthorized', async () => {
    const k8s = runtime();
    api.inject({ status: 401 });
    const f = await fault(k8s.list('payment-gateway'));
    expect(f.kind).toBe('unauthorized');
    expect(f.message).toMatch(/refused Flightdeck's credentials \(401 Unauthorized\) while trying to list deployments\.apps payment-gateway/);
  });

  it('403 forbidden names the missing RBAC', async () => {
    const k8s = runtime();
    await k8s.scale(fence, workload('2.2.0'), [0], 0);
    api.deny('patch', 'httproutes');
    const f = await fault(k8s.setRoutes(fence, { service: 'payment-gateway', versions: [{ versionId: 'vid-2.2.0', weight: 100 }] }));
    expect(f.kind).toBe('forbidden');
    expect(f.message).toMatch(/^Flightdeck lacks the RBAC permission to patch httproutes\.gateway\.networking\.k8s\.io in namespace payment-gateway \(403 Forbidden\): /);
    expect(f.details.missingRbac).toEqual({ verbs: ['patch'], apiGroups: ['gateway.networking.k8s.io'], resources: ['httproutes'], namespace: NS });
    // No partial shift: the stable Service still selects nothing.
    expect(api.get('services', NS, 'payment-gateway').spec.selector['flightdeck.dev/version']).toBe('flightdeck-none');
  });

  it('409 conflict: a write whose resourceVersion went stale in between does not land; it is read again and retried, a few times', async () => {
    const k8s = runtime();
    await k8s.scale(fence, workload('2.2.0'), [0], 0);
    // Someone else changes the Deployment between every read and write of it.
    let interference = 0;
    const meddle = (times: number) => {
      api.beforeRequest = (r) => {
        if (r.verb === 'patch' && r.resource === 'deployments' && interference < times) {
          interference++;
          const d = api.get('deployments', NS, 'payment-gateway-2-2-0');
          api.write({ ...d, metadata: { ...d.metadata, annotations: { ...d.metadata.annotations, note: `someone else ${interference}` } } });
        }
      };
    };
    meddle(1);
    await k8s.scale(fence, workload('2.2.0'), [0, 1], 0);
    expect(api.get('deployments', NS, 'payment-gateway-2-2-0').spec.replicas).toBe(2);
    expect(api.requests.filter((r) => r.verb === 'patch' && r.resource === 'deployments' && r.status === 409)).toHaveLength(1);

    interference = 0;
    meddle(3);
    const f = await fault(k8s.scale(fence, workload('2.2.0'), [0, 1, 2], 0));
    api.beforeRequest = null;
    expect(f.kind).toBe('conflict');
    expect(f.message).toMatch(/409 Conflict.*the object has been modified/);
    expect(api.get('deployments', NS, 'payment-gateway-2-2-0').spec.replicas).toBe(2);
  });

  it('409 conflict: another field manager owns the replica count', async () => {
    const k8s = runtime();
    await k8s.scale(fence, workload('2.2.0'), [0], 0);
    const d = api.get('deployments', NS, 'payment-gateway-2-2-0');
    api.write({ ...d, spec: { ...d.spec, replicas: 4 } }, 'kubectl-scale');
    const f = await fault(k8s.scale(fence, workload('2.2.0'), [0, 1], 0));
    expect(f.kind).toBe('conflict');
    expect(f.message).toMatch(/conflict with "kubectl-scale" using apps\/v1: \.spec\.replicas/);
  });

  it('422 invalid shows the API message', async () => {
    const k8s = runtime();
    api.inject({ verb: 'patch', resource: 'deployments', status: 422, message: 'Deployment.apps "payment-gateway-2-3-0" is invalid: spec.template.spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit' });
    const f = await fault(k8s.scale(fence, workload('2.3.0'), [0], 0));
    expect(f.kind).toBe('invalid');
    expect(f.message).toMatch(/rejected deployments\.apps payment-gateway\/payment-gateway-2-3-0 as invalid \(422\): .*must be less than or equal to cpu limit/);
    const noImage = await fault(k8s.scale(fence, { ...workload('2.4.0'), image: undefined }, [0], 0));
    expect(noImage.message).toBe('version 2.4.0 of payment-gateway has no container image (artifact.image): Kubernetes cannot run it');
  });

  it('a missing namespace is named', async () => {
    const k8s = runtime({ namespace: 'nowhere' });
    const f = await fault(k8s.scale(fence, workload('2.3.0'), [0], 0));
    expect(f.message).toMatch(/namespaces "nowhere" not found/);
  });
});

describe('fencing on the API server', () => {
  it('a worker with a stale token changes nothing, even in another process that never saw the newer token', async () => {
    const old = runtime();
    const next = runtime();
    await old.scale({ service: 'payment-gateway', token: 1 }, workload('2.2.0'), [0, 1], 0);
    await old.setRoutes({ service: 'payment-gateway', token: 1 }, { service: 'payment-gateway', versions: [{ versionId: 'vid-2.2.0', weight: 100 }] });
    // The lease moves on: the new holder writes with token 2.
    await next.scale({ service: 'payment-gateway', token: 2 }, workload('2.3.0'), [0], 0);
    const n = patches();
    const rv = api.store.currentRv();
    await expect(old.setRoutes({ service: 'payment-gateway', token: 1 }, { service: 'payment-gateway', versions: [{ versionId: 'vid-2.3.0', weight: 100 }] })).rejects.toBeInstanceOf(StaleFenceError);
    await expect(old.scale({ service: 'payment-gateway', token: 1 }, workload('2.2.0'), [], 0)).rejects.toBeInstanceOf(StaleFenceError);
    expect(patches()).toBe(n);
    expect(api.store.currentRv()).toBe(rv);
    expect(api.get('deployments', NS, 'payment-gateway-2-2-0').spec.replicas).toBe(2);
    expect(api.get('httproutes', NS, 'payment-gateway').spec.rules[0].backendRefs).toEqual([expect.objectContaining({ name: 'payment-gateway-2-2-0', weight: 100 })]);
  });
});

describe('configuration and extras', () => {
  it('reads the cluster from KUBECONFIG and the namespace and Gateway from the environment', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fd-kube-'));
    const file = path.join(dir, 'config');
    writeFileSync(file, api.kubeconfigYaml());
    const saved = process.env.KUBECONFIG;
    process.env.KUBECONFIG = file;
    try {
      const opts = kubernetesOptionsFromEnv({ FLIGHTDECK_K8S_NAMESPACE: 'shared', FLIGHTDECK_K8S_GATEWAY: 'gateways/public:https', FLIGHTDECK_K8S_HOSTNAMES: 'pay.example.com' });
      expect(opts.namespace).toBe('shared');
      expect(opts.gateway).toEqual({ name: 'public', namespace: 'gateways', sectionName: 'https', hostnames: ['pay.example.com'] });
      api.createNamespace('shared');
      const k8s = runtime({ ...opts, watch: false });
      await k8s.scale({ service: 'payment-gateway', token: 1 }, workload('2.3.0'), [0], 0);
      expect(api.get('deployments', 'shared', 'payment-gateway-2-3-0')).toBeDefined();
      expect(await k8s.serviceAddress('payment-gateway')).toBe('http://pay.example.com');
      for (const [env, message] of [
        [{ FLIGHTDECK_K8S_NAMESPACE: 'Shared_NS' }, /FLIGHTDECK_K8S_NAMESPACE "Shared_NS" is not a DNS-1123 label/],
        [{ FLIGHTDECK_K8S_GATEWAY: 'a/b/c' }, /FLIGHTDECK_K8S_GATEWAY must be \[namespace\/\]name\[:listener\]/],
      ] as const) {
        let err: unknown;
        try {
          kubernetesOptionsFromEnv(env);
        } catch (e) {
          err = e;
        }
        expect(isAppError(err)).toBe(true);
        expect((err as Error).message).toMatch(message);
      }
    } finally {
      if (saved === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = saved;
    }
  });

  it('FLIGHTDECK_RUNTIME=kubernetes: one runtime per environment from its settings, rebuilt when they change; a bad context or setting faults every call with the reason', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fd-kube-'));
    writeFileSync(path.join(dir, 'config'), api.kubeconfigYaml());
    const saved = process.env.KUBECONFIG;
    process.env.KUBECONFIG = path.join(dir, 'config');
    const resolve = kubernetesResolver({ FLIGHTDECK_K8S_NAMESPACE: 'shared', FLIGHTDECK_PROMETHEUS_URL: 'http://prometheus.monitoring:9090' }, { extra: { watch: false } });
    try {
      const staging = { name: 'staging', runtime: { driver: 'kubernetes', context: 'double', gateway: { name: 'public', namespace: 'gateways' } } };
      const s1 = resolve(staging) as KubernetesRuntime;
      expect(s1.kind).toBe('kubernetes');
      expect(s1.namespaceFor('payment-gateway')).toBe('shared');
      expect(s1.trafficNote()).toBeNull();
      expect(resolve(staging)).toBe(s1);
      expect(resolve({ name: 'staging' })).toBe(s1);
      api.createNamespace('shared');
      expect(await s1.list('payment-gateway')).toEqual([]);
      const prod = resolve({ name: 'production', runtime: { namespace: 'payments' } }) as KubernetesRuntime;
      expect([prod.namespaceFor('x'), prod.trafficNote()]).toEqual(['payments', expect.stringMatching(/^No Gateway configured/)]);
      // An admin changes the environment's settings: its next use gets a runtime made from them.
      const s2 = resolve({ name: 'staging', runtime: { namespace: 'other' } }) as KubernetesRuntime;
      expect(s2).not.toBe(s1);
      expect(s2.namespaceFor('x')).toBe('other');
      const noContext = resolve({ name: 'qa', runtime: { context: 'nope' } });
      const f = await fault(noContext.list('payment-gateway'));
      expect([f.kind, f.message]).toEqual(['invalid', 'the Kubernetes runtime is misconfigured: the kubeconfig has no context "nope" (it has: double)']);
      const bad = await fault(resolve({ name: 'dev', runtime: { namespace: 'Bad_NS' } }).list('x'));
      expect(bad.message).toMatch(/misconfigured: environment runtime settings: namespace "Bad_NS" is not a DNS-1123 label/);
    } finally {
      resolve.close();
      if (saved === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = saved;
    }
  });

  it('reads pod logs, and the ConfigMap and Secret keys preflight needs', async () => {
    const k8s = runtime({ watch: false });
    await k8s.scale({ service: 'payment-gateway', token: 1 }, workload('2.3.0'), [0], 0);
    const [pod] = await until(async () => {
      const l = await k8s.list('payment-gateway');
      return l.length === 1 && l;
    }, 'the instance');
    expect(await k8s.logs(pod!.id, 10)).toEqual([`${pod!.id} starting`]);
    api.write({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pay-config', namespace: NS }, data: { LOG_LEVEL: 'info' } });
    api.write({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'pay-secrets', namespace: NS }, data: { DB_URL: 'eA==' } });
    const w = { ...workload('2.3.0'), env: {}, envFrom: [{ configMap: 'pay-config' }, { configMap: 'gone' }, { secret: 'pay-secrets' }] };
    const writes = api.requests.filter((r) => r.verb === 'patch').length;
    const found = await k8s.preflight(w, { requiredConfigKeys: ['DB_URL', 'LOG_LEVEL', 'SMTP_HOST'], strategy: 'rolling' });
    expect(found).toEqual({ missingConfigKeys: ['SMTP_HOST'], problems: ['ConfigMap gone does not exist in namespace payment-gateway (the version loads its environment from it)'], warnings: [] });
    // A preflight reads; it never writes.
    expect(api.requests.filter((r) => r.verb === 'patch').length).toBe(writes);
    expect(missingKubernetesConfig(['DB_URL', 'X'], { env: { X: '' }, secrets: { s: ['DB_URL'] } })).toEqual({ missing: ['X'], missingSources: [] });
    const bare = await k8s.preflight({ ...w, image: undefined, envFrom: [] }, { requiredConfigKeys: [], strategy: 'canary' });
    expect(bare.problems).toEqual(['version 2.3.0 of payment-gateway has no container image (artifact.image): Kubernetes cannot run it']);
    expect(bare.warnings).toEqual([expect.stringMatching(/^No Prometheus configured/)]);
  });

  it('documents RBAC objects that the upstream schemas accept', () => {
    for (const o of rbacObjects('payment-gateway', 'flightdeck')) expect(kubeObjectProblems(o)).toEqual([]);
  });
});
