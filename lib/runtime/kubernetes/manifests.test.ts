import { describe, expect, it } from 'vitest';
import { isAppError } from '../../errors/app-error';
import { assertValidKubeObject, kubeObjectProblems } from '../../testing/kube-apiserver/schemas';
import { routeObjects, versionDeployment, versionService, NO_VERSION } from './manifests';
import { ANNOTATION, LABEL, isServiceName, versionLabel, versionObjectName } from './names';
import { missingKubernetesConfig } from './preflight';
import type { VersionInput } from './spec';

const base: VersionInput = {
  service: 'payment-gateway',
  semver: '2.3.0',
  versionId: '6f1c1e1a-4f7e-4a53-9a57-0d9f3c1b2a10',
  deploymentId: '0b7a3c52-9d3e-4a0e-8f7e-2f6c7d9e1a22',
  namespace: 'payments',
  image: 'registry.example.com/team/payment-gateway:2.3.0',
  port: 8080,
  env: { DB_URL: 'postgres://db/pay', LOG_LEVEL: 'info' },
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
  health: { path: '/healthz', intervalSeconds: 5, timeoutSeconds: 2, healthyThreshold: 1, unhealthyThreshold: 3, gracePeriodSeconds: 45 },
};
const v1 = { versionId: 'v-old', semver: '2.2.0' };
const v2 = { versionId: base.versionId!, semver: '2.3.0' };

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(isAppError(e)).toBe(true);
    return (e as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('version objects', () => {
  it('builds a Deployment and Service that the upstream schemas accept, with the standard labels and the fence', () => {
    const d = versionDeployment(base, { slots: [0, 1, 2], fence: 7, slotOwners: { '0': 'dep-a', '1': 'dep-a', '2': 'dep-b' } });
    const s = versionService(base, 7);
    assertValidKubeObject(d);
    assertValidKubeObject(s);
    expect(d.metadata.name).toBe('payment-gateway-2-3-0');
    expect(s.metadata.name).toBe(d.metadata.name);
    expect(d.spec.replicas).toBe(3);
    for (const o of [d, s]) {
      expect(o.metadata.annotations?.[ANNOTATION.fence]).toBe('7');
      expect(o.metadata.labels).toMatchObject({
        'app.kubernetes.io/name': 'payment-gateway',
        'app.kubernetes.io/instance': 'payment-gateway-2-3-0',
        'app.kubernetes.io/version': '2.3.0',
        'app.kubernetes.io/managed-by': 'flightdeck',
        'app.kubernetes.io/part-of': 'payment-gateway',
        'app.kubernetes.io/component': 'version',
        [LABEL.service]: 'payment-gateway',
        [LABEL.versionId]: base.versionId,
        [LABEL.deploymentId]: base.deploymentId,
      });
    }
    expect(d.metadata.annotations?.[ANNOTATION.slots]).toBe('0,1,2');
    expect(JSON.parse(d.metadata.annotations![ANNOTATION.slotOwners]!)).toEqual({ '0': 'dep-a', '1': 'dep-a', '2': 'dep-b' });
    expect(s.spec.selector).toEqual(d.spec.selector.matchLabels);
    const c = d.spec.template.spec.containers[0]!;
    expect(c.image).toBe(base.image);
    expect(c.env).toEqual([
      { name: 'DB_URL', value: 'postgres://db/pay' },
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'PORT', value: '8080' },
    ]);
    expect(c.resources).toEqual(base.resources);
    expect(c.readinessProbe).toEqual({
      httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' },
      initialDelaySeconds: 45,
      periodSeconds: 5,
      timeoutSeconds: 2,
      successThreshold: 1,
      failureThreshold: 3,
    });
  });

  it('keeps the pod template free of the deployment and the fence, so another deployment scaling the version restarts nothing', () => {
    const a = versionDeployment(base, { slots: [0], fence: 1 });
    const b = versionDeployment({ ...base, deploymentId: '11111111-2222-3333-4444-555555555555' }, { slots: [0, 1], fence: 9 });
    expect(b.spec.template).toEqual(a.spec.template);
    expect(b.spec.selector).toEqual(a.spec.selector);
  });

  it('rounds fractional probe timings up to whole seconds and references the container port by name', () => {
    const d = versionDeployment({ ...base, health: { intervalSeconds: 0.5, timeoutSeconds: 1.5, gracePeriodSeconds: 2.2 } }, { slots: [] });
    assertValidKubeObject(d);
    expect(d.spec.replicas).toBe(0);
    expect(d.spec.template.spec.containers[0]!.readinessProbe).toMatchObject({ periodSeconds: 1, timeoutSeconds: 2, initialDelaySeconds: 3 });
  });

  it('loads ConfigMaps and Secrets the version references', () => {
    const d = versionDeployment({ ...base, envFrom: [{ configMap: 'pay-config' }, { secret: 'pay-secrets' }] }, { slots: [0] });
    assertValidKubeObject(d);
    expect(d.spec.template.spec.containers[0]!.envFrom).toEqual([{ configMapRef: { name: 'pay-config' } }, { secretRef: { name: 'pay-secrets' } }]);
  });
});

describe('names', () => {
  const longService = `s${'x'.repeat(61)}z`;
  const odd = ['1.0.0-rc.1+build.5', '1.0.0-RC.1', '1.0.0-a.b', '1.0.0-a-b', `1.0.0-${'long'.repeat(30)}`, `1.0.0-${'long'.repeat(30)}x`, '10.20.30'];

  it.each(odd.flatMap((semver) => [['payment-gateway', semver], [longService, semver]]))('%s %s gives a valid, bounded, deterministic name', (service, semver) => {
    const name = versionObjectName(service, semver);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(isServiceName(name)).toBe(true);
    expect(versionObjectName(service, semver)).toBe(name);
    const d = versionDeployment({ ...base, service, semver }, { slots: [0] });
    const s = versionService({ ...base, service, semver });
    expect(kubeObjectProblems(d)).toEqual([]);
    expect(kubeObjectProblems(s)).toEqual([]);
    expect(d.metadata.annotations?.[ANNOTATION.semver]).toBe(semver);
  });

  it('never gives two versions the same name or selector label, however alike they look', () => {
    for (const service of ['payment-gateway', longService]) {
      const names = odd.map((v) => versionObjectName(service, v));
      expect(new Set(names).size).toBe(odd.length);
      expect(new Set(odd.map(versionLabel)).size).toBe(odd.length);
    }
    // Long names that differ only past the cut still differ.
    expect(versionObjectName(longService, '1.0.0')).not.toBe(versionObjectName(`${longService.slice(0, 62)}y`, '1.0.0'));
  });

  it('reads plain versions as themselves', () => {
    expect(versionObjectName('api', '1.2.3')).toBe('api-1-2-3');
    expect(versionLabel('1.2.3-rc.1+build.5')).toBe('1.2.3-rc.1_build.5');
  });
});

describe('routing objects', () => {
  const gateway = { name: 'public', namespace: 'gateways', sectionName: 'https', hostnames: ['pay.example.com'] };

  it('canary: weighted backendRefs to each version Service; the stable Service spans both versions', () => {
    const table = { service: 'payment-gateway', versions: [{ versionId: 'v-old', weight: 90 }, { versionId: v2.versionId, weight: 10 }] };
    const { service, route, note } = routeObjects({ service: 'payment-gateway', namespace: 'payments', table, versions: [v1, v2], gateway, fence: 3 });
    assertValidKubeObject(service);
    assertValidKubeObject(route);
    expect(route!.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public', namespace: 'gateways', sectionName: 'https' }]);
    expect(route!.spec.rules[0]!.backendRefs).toEqual([
      { group: '', kind: 'Service', name: 'payment-gateway-2-2-0', port: 80, weight: 90 },
      { group: '', kind: 'Service', name: 'payment-gateway-2-3-0', port: 80, weight: 10 },
    ]);
    expect(service.spec.selector).toEqual({ [LABEL.service]: 'payment-gateway' });
    expect(JSON.parse(route!.metadata.annotations![ANNOTATION.routes]!)).toEqual(table);
    expect(route!.metadata.annotations![ANNOTATION.fence]).toBe('3');
    expect(note).toMatch(/inside the cluster/);
  });

  it('blue-green: one colour in rotation pins the stable Service to it (one atomic selector change)', () => {
    const table = { service: 'payment-gateway', versions: [{ versionId: 'v-old', weight: 0 }, { versionId: v2.versionId, weight: 100 }] };
    const { service, route, note } = routeObjects({ service: 'payment-gateway', namespace: 'payments', table, versions: [v1, v2], gateway });
    assertValidKubeObject(service);
    assertValidKubeObject(route);
    expect(service.spec.selector).toEqual({ [LABEL.service]: 'payment-gateway', [LABEL.version]: '2.3.0' });
    expect(route!.spec.rules[0]!.backendRefs.map((b) => b.weight)).toEqual([0, 100]);
    expect(note).toBeUndefined();
  });

  it('rolling: per-slot tables and fractional weights become integer weights; an empty slot list is out of rotation', () => {
    const table = {
      service: 'payment-gateway',
      versions: [
        { versionId: 'v-old', weight: 2.5, slots: [1, 2] },
        { versionId: v2.versionId, weight: 1, slots: [0] },
      ],
    };
    const { route } = routeObjects({ service: 'payment-gateway', namespace: 'payments', table, versions: [v1, v2], gateway });
    assertValidKubeObject(route);
    expect(route!.spec.rules[0]!.backendRefs.map((b) => b.weight)).toEqual([714, 286]);
    const drained = routeObjects({ service: 'payment-gateway', namespace: 'payments', table: { service: 'payment-gateway', versions: [{ versionId: 'v-old', weight: 3, slots: [] }] }, versions: [v1] });
    expect(drained.service.spec.selector[LABEL.version]).toBe(NO_VERSION);
  });

  it('without a Gateway: only the stable Service, and a note that says the split is a replica ratio', () => {
    const table = { service: 'payment-gateway', versions: [{ versionId: 'v-old', weight: 75 }, { versionId: v2.versionId, weight: 25 }] };
    const { service, route, note } = routeObjects({ service: 'payment-gateway', namespace: 'payments', table, versions: [v1, v2] });
    assertValidKubeObject(service);
    expect(route).toBeUndefined();
    expect(note).toMatch(/No Gateway configured: the split 2\.2\.0 75 \/ 2\.3\.0 25 is approximated by the ratio of ready pods/);
  });
});

describe('bad input is refused with the problem named', () => {
  it.each<[string, Partial<VersionInput>, RegExp]>([
    ['service starting with a digit', { service: '1payments' }, /service name "1payments" cannot name Kubernetes objects: .*start with a letter/],
    ['service with capitals', { service: 'Payments' }, /service name "Payments"/],
    ['no image', { image: '' }, /image is required/],
    ['image with spaces', { image: 'my image' }, /image: is not a container image reference/],
    ['port 0', { port: 0 }, /port: .*>=1/],
    ['env key', { env: { '1BAD': 'x' } }, /env.1BAD: must be an environment variable name/],
    ['resource quantity', { resources: { limits: { memory: 'lots' } } }, /resources.limits.memory: must be a Kubernetes quantity/],
    ['namespace', { namespace: 'Payments_NS' }, /namespace "Payments_NS" is not a DNS-1123 label/],
    ['health path', { health: { path: 'healthz' } }, /health path must start with \//],
    ['version with spaces', { semver: '1.0 beta' }, /version must not contain spaces/],
  ])('%s', (_, patch, message) => {
    expect(refusal(() => versionDeployment({ ...base, ...patch } as VersionInput, { slots: [0] }))).toMatch(message);
  });

  it('slots', () => {
    expect(refusal(() => versionDeployment(base, { slots: [0, 0] }))).toMatch(/slot 0 is listed twice/);
    expect(refusal(() => versionDeployment(base, { slots: [-1] }))).toMatch(/slot -1 is not an integer/);
    expect(refusal(() => versionDeployment(base, { slots: [0], fence: -2 }))).toMatch(/fencing token -2/);
  });

  it('routing tables', () => {
    const r = (versions: Array<{ versionId: string; weight: number }>, extra: object = {}) => () =>
      routeObjects({ service: 'payment-gateway', namespace: 'payments', table: { service: 'payment-gateway', versions }, versions: [v1, v2], ...extra });
    expect(refusal(r([{ versionId: 'nope', weight: 1 }]))).toMatch(/names version nope, which has no Deployment here/);
    expect(refusal(r([{ versionId: 'v-old', weight: -5 }]))).toMatch(/weight -5 of version v-old must be a number ≥ 0/);
    expect(refusal(r([{ versionId: 'v-old', weight: 1 }, { versionId: 'v-old', weight: 1 }]))).toMatch(/lists version v-old twice/);
    expect(refusal(r([], { gateway: { name: 'Public GW' } }))).toMatch(/gateway name "Public GW" is not a DNS-1123 label/);
    const many = Array.from({ length: 17 }, (_, i) => ({ versionId: `v${i}`, semver: `1.0.${i}` }));
    expect(
      refusal(() => routeObjects({ service: 'x', namespace: 'x', table: { service: 'x', versions: many.map((v) => ({ versionId: v.versionId, weight: 1 })) }, versions: many })),
    ).toMatch(/at most 16 backends/);
  });
});

describe('preflight', () => {
  it('names the required keys neither the version nor its ConfigMaps and Secrets provide, and the sources that do not exist', () => {
    expect(
      missingKubernetesConfig(['DB_URL', 'SMTP_HOST', 'API_KEY', 'EMPTY'], {
        env: { DB_URL: 'x', EMPTY: '' },
        configMaps: { 'app-config': ['LOG_LEVEL'], gone: null },
        secrets: { 'app-secrets': ['API_KEY'] },
      }),
    ).toEqual({ missing: ['EMPTY', 'SMTP_HOST'], missingSources: ['ConfigMap/gone'] });
    expect(missingKubernetesConfig(['A'], { env: {}, secrets: { s: ['A'] } })).toEqual({ missing: [], missingSources: [] });
  });
});
