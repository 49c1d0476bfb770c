import { AppsV1Api, CoreV1Api, Watch } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startKubeApiServer, type KubeApiServer } from './kube-apiserver';

let api: KubeApiServer;

beforeEach(async () => {
  api = await startKubeApiServer();
  api.createNamespace('shop');
});
afterEach(async () => {
  await api.close();
});

async function until<T>(fn: () => T | undefined | false | Promise<T | undefined | false>, what: string, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

function deployment(replicas: number, extra: object = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' }, ...extra },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'web:1' }] } },
    },
  };
}

async function apply(obj: object, manager = 'flightdeck', force = false) {
  const res = await fetch(`${api.url}/apis/apps/v1/namespaces/shop/deployments/web?fieldManager=${manager}${force ? '&force=true' : ''}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/apply-patch+yaml' },
    body: JSON.stringify(obj),
  });
  return { status: res.status, body: await res.json() };
}

describe('Kubernetes API server double', () => {
  it('talks to @kubernetes/client-node through its kubeconfig, and turns replicas into pods', async () => {
    const apps = api.kubeConfig().makeApiClient(AppsV1Api);
    const core = api.kubeConfig().makeApiClient(CoreV1Api);
    const created = await apps.createNamespacedDeployment({ namespace: 'shop', body: deployment(2) as never });
    expect(created.metadata?.resourceVersion).toMatch(/^\d+$/);
    const pods = await until(async () => {
      const list = await core.listNamespacedPod({ namespace: 'shop', labelSelector: 'app=web' });
      return list.items.length === 2 && list.items;
    }, 'two pods');
    expect(pods.every((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))).toBe(true);
    expect((await core.listNamespacedPod({ namespace: 'shop', labelSelector: 'app=other' })).items).toEqual([]);
  });

  it('server-side apply: resourceVersion preconditions, field ownership, force', async () => {
    const first = await apply(deployment(2));
    expect(first.status).toBe(200);
    const rv = first.body.metadata.resourceVersion;
    expect(first.body.metadata.managedFields[0]).toMatchObject({ manager: 'flightdeck', operation: 'Apply' });
    expect(first.body.metadata.managedFields[0].fieldsV1['f:spec']['f:replicas']).toEqual({});

    // Applying against what was read: accepted; against a version that is gone: 409.
    const second = await apply({ ...deployment(3), metadata: { ...deployment(3).metadata, resourceVersion: rv } });
    expect(second.status).toBe(200);
    const stale = await apply({ ...deployment(4), metadata: { ...deployment(4).metadata, resourceVersion: rv } });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ kind: 'Status', reason: 'Conflict', code: 409 });
    expect(api.get('deployments', 'shop', 'web').spec.replicas).toBe(3);

    // Someone else takes spec.replicas: our different value conflicts, naming them, unless forced.
    api.write({ ...api.get('deployments', 'shop', 'web'), spec: { ...api.get('deployments', 'shop', 'web').spec, replicas: 5 } }, 'kubectl-scale');
    const conflict = await apply(deployment(3));
    expect(conflict.status).toBe(409);
    expect(conflict.body.message).toBe('Apply failed with 1 conflict: conflict with "kubectl-scale" using apps/v1: .spec.replicas');
    expect((await apply(deployment(5))).status).toBe(200); // the same value is shared, not a conflict
    expect((await apply(deployment(1), 'flightdeck', true)).status).toBe(200);
    expect(api.get('deployments', 'shop', 'web').spec.replicas).toBe(1);
    await until(() => api.pods('shop', 'app=web').length === 1, 'scale down to one pod');

    // A label the manager stops applying goes away.
    await apply(deployment(1, { labels: { app: 'web', tier: 'front' } }));
    expect(api.get('deployments', 'shop', 'web').metadata.labels.tier).toBe('front');
    await apply(deployment(1));
    expect(api.get('deployments', 'shop', 'web').metadata.labels.tier).toBeUndefined();
  });

  it('refuses invalid objects with 422 and the reason, and unknown namespaces with 404', async () => {
    const bad = await apply({ ...deployment(1), spec: { ...deployment(1).spec, replicas: 'two' } });
    expect(bad.status).toBe(422);
    expect(bad.body.message).toMatch(/^Deployment\.apps "web" is invalid: spec\.replicas must be integer/);
    const res = await fetch(`${api.url}/api/v1/namespaces/nowhere/services/x?fieldManager=flightdeck`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/apply-patch+yaml' },
      body: JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: {} }),
    });
    expect(res.status).toBe(404);
    expect((await res.json()).message).toBe('namespaces "nowhere" not found');
  });

  it('answers injected faults, missing RBAC and bad credentials with Kubernetes Status bodies', async () => {
    api.deny('patch', 'deployments');
    const forbidden = await apply(deployment(1));
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.message).toBe(
      'deployments.apps "web" is forbidden: User "system:serviceaccount:flightdeck:flightdeck" cannot patch resource "deployments" in API group "apps" in the namespace "shop"',
    );
    api.allowAll();
    api.inject({ verb: 'patch', resource: 'deployments', status: 422, message: 'Deployment.apps "web" is invalid: spec.template.spec.containers[0].image: Required value' });
    expect(await apply(deployment(1))).toMatchObject({ status: 422, body: { reason: 'Invalid', message: expect.stringContaining('Required value') } });
    expect((await apply(deployment(1))).status).toBe(200); // once only
    const noAuth = await fetch(`${api.url}/api/v1/namespaces/shop/pods`, { headers: { authorization: 'Bearer wrong' } });
    expect(noAuth.status).toBe(401);
  });

  it('streams watch events from a resourceVersion, and a test can drop the stream', async () => {
    const start = api.store.currentRv();
    const seen: string[] = [];
    let ended = false;
    await new Watch(api.kubeConfig()).watch(
      '/apis/apps/v1/namespaces/shop/deployments',
      { resourceVersion: String(start) },
      (type, obj) => seen.push(`${type} ${obj.metadata.name} ${obj.spec.replicas}`),
      () => (ended = true),
    );
    await apply(deployment(1));
    await apply(deployment(2));
    await until(() => seen.length === 2, 'two events');
    expect(seen).toEqual(['ADDED web 1', 'MODIFIED web 2']);
    expect(api.dropWatches()).toBe(1);
    await until(() => ended, 'the watch to end');
  });

  it('lists across namespaces by label, deletes, and answers 404 for what is gone or injected', async () => {
    api.createNamespace('other');
    await apply(deployment(1));
    const headers = { authorization: `Bearer ${api.token}` };
    await fetch(`${api.url}/api/v1/namespaces/other/services?fieldManager=t`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', labels: { app: 'web' } }, spec: { ports: [{ port: 80 }] } }),
    });
    await until(() => api.pods('shop').length === 1, 'a pod');
    const all = await (await fetch(`${api.url}/api/v1/pods?labelSelector=app%3Dweb`, { headers })).json();
    expect(all.items.map((p: { metadata: { namespace: string } }) => p.metadata.namespace)).toEqual(['shop']);
    const svcs = await (await fetch(`${api.url}/api/v1/services?labelSelector=app+in+(web,api)`, { headers })).json();
    expect(svcs.items.map((s: { metadata: { namespace: string } }) => s.metadata.namespace)).toEqual(['other']);
    expect((await fetch(`${api.url}/apis/apps/v1/namespaces/shop/deployments/web`, { method: 'DELETE', headers })).status).toBe(200);
    await until(() => api.pods('shop').length === 0, 'its pods to go');
    expect((await fetch(`${api.url}/apis/apps/v1/namespaces/shop/deployments/web`, { headers })).status).toBe(404);
    api.inject({ verb: 'get', resource: 'services', status: 404 });
    const injected = await fetch(`${api.url}/api/v1/namespaces/other/services/web`, { headers });
    expect(injected.status).toBe(404);
    expect(await injected.json()).toMatchObject({ reason: 'NotFound', message: 'services "web" not found' });
    expect((await fetch(`${api.url}/api/v1/namespaces/other/services/web`, { headers })).status).toBe(200);
  });

  it('refuses connections until resumed, on the same address', async () => {
    await api.refuseConnections();
    await expect(fetch(`${api.url}/api`)).rejects.toThrow();
    await api.resume();
    expect((await fetch(`${api.url}/api`, { headers: { authorization: `Bearer ${api.token}` } })).status).toBe(200);
  });

  it('lets the test say what a pod looks like', async () => {
    await apply(deployment(1));
    const [pod] = await until(() => api.pods('shop', 'app=web').length === 1 && api.pods('shop', 'app=web'), 'a pod');
    api.setPod('shop', pod.metadata.name, { ready: false, restarts: 4, waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container' }, lastTerminated: { reason: 'OOMKilled', exitCode: 137 } });
    const p = api.get('pods', 'shop', pod.metadata.name);
    expect(p.status.containerStatuses[0]).toMatchObject({ ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { reason: 'OOMKilled', exitCode: 137 } } });
    expect(p.status.conditions.find((c: { type: string }) => c.type === 'Ready').status).toBe('False');
  });
});
