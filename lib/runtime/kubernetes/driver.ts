/**
 * The Kubernetes runtime: a version is a Deployment (its slots kept as the replica count and an
 * annotation) and a Service; a service's traffic is an HTTPRoute's weights (with a Gateway) and
 * its stable Service. Writes are server-side apply as the `flightdeck` field manager, fenced
 * with the lease token and conditional on the resourceVersion read. Anything the platform
 * refuses comes back as a RuntimeFault naming the reason; nothing here ever judges a version.
 */
import { isAppError } from '../../errors/app-error';
import type { CrashRecord, Fence, InstanceStatus, RoutingTable, Runtime, RuntimeExtras, VersionTraffic, Workload } from '../types';
import { RuntimeFault } from '../types';
import { DEPLOYMENTS, HTTPROUTES, KubeClient, PODS, SERVICES, CONFIGMAPS, SECRETS, type ResourceRef } from './client';
import { kubernetesOptionsFromEnv, type KubernetesRuntimeOptions } from './config';
import { FenceBook, assertOwned, holds } from './fence';
import { instancesOf, isReady, versionFacts, type VersionFacts } from './instances';
import { routeObjects, versionDeployment, versionService, SERVICE_PORT, NO_VERSION } from './manifests';
import { ANNOTATION, LABEL, standardLabels, stableName, versionLabel, versionObjectName } from './names';
import type { Deployment, HTTPRoute, KubeObject, Pod, Service } from './objects';
import type { VersionInput } from './spec';
import { PodWatcher } from './watcher';

/** Builder errors (bad input the platform would refuse) pause the deployment like a 422 would. */
function asFault<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (isAppError(e)) throw new RuntimeFault('invalid', e.message, e.details ?? {});
    throw e;
  }
}

export class KubernetesRuntime implements Runtime, RuntimeExtras {
  readonly kind = 'kubernetes';
  readonly client: KubeClient;
  private readonly fences = new FenceBook();
  private readonly watchers = new Map<string, PodWatcher>();
  /** Pod name → namespace and what Flightdeck last knew of it (for probes, logs, crash records). */
  private readonly known = new Map<string, { namespace: string; instance?: InstanceStatus; restarts: number }>();
  private readonly crashes: CrashRecord[] = [];
  private crashSeq = 0;

  constructor(private readonly opts: KubernetesRuntimeOptions) {
    this.client = new KubeClient(opts.kubeConfig, opts.requestTimeoutMs);
  }

  namespaceFor(service: string): string {
    return this.opts.namespace ?? service;
  }

  private async versionInput(w: Workload, namespace: string): Promise<VersionInput> {
    if (!w.image) throw new RuntimeFault('invalid', `version ${w.semver} of ${w.service} has no container image (artifact.image): Kubernetes cannot run it`, { versionId: w.versionId });
    const health = { ...(await this.opts.health?.(w.service)), path: w.healthPath };
    const envFrom = this.opts.envFrom?.(w.service);
    return {
      service: w.service,
      semver: w.semver,
      versionId: w.versionId,
      deploymentId: w.deploymentId,
      namespace,
      image: w.image,
      ...(w.port ? { port: w.port } : {}),
      env: w.env,
      ...(envFrom ? { envFrom: { configMaps: envFrom.configMaps ?? [], secrets: envFrom.secrets ?? [] } } : {}),
      ...(w.resources ? { resources: w.resources } : {}),
      health,
      drainSeconds: this.opts.drainSeconds ?? 30,
    };
  }

  /**
   * Takes the service's fence record (its stable Service) for `fence`: refuses when a later
   * token wrote it, and writes this token on it before any other object is touched.
   */
  private async claim(fence: Fence, namespace: string): Promise<Service> {
    const name = stableName(fence.service);
    const ref = { ...SERVICES, namespace, name };
    const live = await this.client.get<Service>(ref);
    assertOwned(live, fence.service);
    this.fences.observe(fence, live);
    if (live && live.metadata.annotations?.[ANNOTATION.fence] === String(fence.token)) return live;
    const routes = live?.metadata.annotations?.[ANNOTATION.routes];
    const desired: Service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name,
        namespace,
        labels: standardLabels({ service: fence.service, component: 'stable', instance: name }),
        annotations: { [ANNOTATION.fence]: String(fence.token), ...(routes ? { [ANNOTATION.routes]: routes } : {}) },
      },
      spec: {
        type: 'ClusterIP',
        selector: live?.spec?.selector ?? { [LABEL.service]: fence.service, [LABEL.version]: NO_VERSION },
        ports: [{ name: 'http', port: SERVICE_PORT, targetPort: 'http', protocol: 'TCP' }],
      },
    };
    return this.client.apply(ref, desired, live?.metadata.resourceVersion);
  }

  /** Applies `desired` unless the live object already holds it; conditional on what was read. */
  private async write<T extends KubeObject>(fence: Fence, ref: ResourceRef & { name: string }, desired: T, version?: string): Promise<void> {
    const live = await this.client.get<T>(ref);
    assertOwned(live, fence.service, version);
    this.fences.observe(fence, live);
    if (live && holds(live, desired)) return;
    await this.client.apply(ref, desired, live?.metadata.resourceVersion);
  }

  async scale(fence: Fence, workload: Workload, slots: number[], _drainTimeoutMs: number): Promise<void> {
    this.fences.check(fence);
    if (workload.service !== fence.service) throw new RuntimeFault('invalid', `fence is for ${fence.service}, workload for ${workload.service}`);
    const namespace = this.namespaceFor(workload.service);
    const input = await this.versionInput(workload, namespace);
    const name = asFault(() => versionObjectName(workload.service, workload.semver));
    const label = versionLabel(workload.semver);
    await this.claim(fence, namespace);
    const ref = { ...DEPLOYMENTS, namespace, name };
    const live = await this.client.get<Deployment>(ref);
    // Slots already running keep the deployment that started them; new ones are this deployment's.
    const before = live ? versionFacts(live) : null;
    const owners: Record<string, string> = {};
    for (const s of slots) owners[String(s)] = before?.slots.includes(s) && before.owners[String(s)] ? before.owners[String(s)]! : workload.deploymentId;
    const deployment = asFault(() => versionDeployment(input, { slots, slotOwners: owners, fence: fence.token }));
    const service = asFault(() => versionService(input, fence.token));
    await this.write(fence, { ...SERVICES, namespace, name }, service, label);
    await this.write(fence, ref, deployment, label);
  }

  private async versions(namespace: string, service: string): Promise<{ facts: VersionFacts[]; deployments: Deployment[] }> {
    const { items } = await this.client.list<Deployment>({ ...DEPLOYMENTS, namespace }, `${LABEL.service}=${service}`);
    const facts = items.map(versionFacts).filter((f): f is VersionFacts => f !== null);
    return { facts, deployments: items };
  }

  async list(service: string): Promise<InstanceStatus[]> {
    const namespace = this.namespaceFor(service);
    const { facts } = await this.versions(namespace, service);
    const { items: pods } = await this.client.list<Pod>({ ...PODS, namespace }, `${LABEL.service}=${service}`);
    const out = facts.flatMap((v) => instancesOf(service, v, pods));
    for (const i of out) {
      const k = this.known.get(i.id);
      this.known.set(i.id, { namespace, instance: i, restarts: Math.max(k?.restarts ?? 0, i.restarts ?? 0) });
    }
    this.follow(namespace, service);
    return out;
  }

  /** Ready means the kubelet's readiness probe on the health path passes (the Ready condition). */
  async probe(instanceId: string, _path: string, timeoutMs: number): Promise<boolean> {
    const k = this.known.get(instanceId);
    if (!k) return false;
    const pod = await this.client.request<Pod>('GET', 'get', { ...PODS, namespace: k.namespace, name: instanceId }, `/api/v1/namespaces/${k.namespace}/pods/${instanceId}`, {
      allowNotFound: true,
      timeoutMs: Math.max(timeoutMs, 1000),
    });
    return !!pod && pod.status?.phase === 'Running' && isReady(pod);
  }

  async setRoutes(fence: Fence, table: RoutingTable): Promise<void> {
    this.fences.check(fence);
    if (table.service !== fence.service) throw new RuntimeFault('invalid', `fence is for ${fence.service}, routing table for ${table.service}`);
    const namespace = this.namespaceFor(fence.service);
    const stable = await this.claim(fence, namespace);
    const { facts } = await this.versions(namespace, fence.service);
    const objs = asFault(() => routeObjects({ service: fence.service, namespace, table, versions: facts, gateway: this.opts.gateway, fence: fence.token }));
    const name = stableName(fence.service);
    // The HTTPRoute is what the Gateway reads; the stable Service follows it.
    if (objs.route) await this.write<HTTPRoute>(fence, { ...HTTPROUTES, namespace, name }, objs.route);
    if (!holds(stable, objs.service)) await this.client.apply({ ...SERVICES, namespace, name }, objs.service, stable.metadata.resourceVersion);
  }

  async getRoutes(service: string): Promise<RoutingTable | null> {
    const namespace = this.namespaceFor(service);
    const name = stableName(service);
    const obj = this.opts.gateway ? await this.client.get<HTTPRoute>({ ...HTTPROUTES, namespace, name }) : await this.client.get<Service>({ ...SERVICES, namespace, name });
    const raw = obj?.metadata.annotations?.[ANNOTATION.routes];
    if (!raw) return null;
    try {
      const t = JSON.parse(raw) as RoutingTable;
      return t && Array.isArray(t.versions) ? t : null;
    } catch {
      return null;
    }
  }

  /** Canary analysis on Kubernetes reads Prometheus (lib/metrics); the runtime counts nothing itself. */
  async traffic(): Promise<Record<string, VersionTraffic>> {
    return {};
  }

  async serviceAddress(service: string): Promise<string> {
    const host = this.opts.gateway?.hostnames?.[0];
    return host ? `http://${host}` : `http://${stableName(service)}.${this.namespaceFor(service)}.svc.cluster.local`;
  }

  async logs(instanceId: string, lines = 50): Promise<string[]> {
    const k = this.known.get(instanceId);
    if (!k) return [];
    const text = await this.client.logs({ ...PODS, namespace: k.namespace, name: instanceId }, lines);
    return text.split('\n').filter((l) => l !== '');
  }

  async crashesAfter(afterSeq: number): Promise<CrashRecord[]> {
    return this.crashes.filter((c) => c.seq > afterSeq);
  }

  /** Keys of the ConfigMaps and Secrets a version would load (null: the object does not exist), for preflight. */
  async configSources(service: string, refs: { configMaps?: string[]; secrets?: string[] }) {
    const namespace = this.namespaceFor(service);
    const keysOf = async (ref: ResourceRef & { name: string }) => {
      const o = await this.client.get<KubeObject>(ref);
      return o ? [...new Set([...Object.keys(o.data ?? {}), ...Object.keys(o.binaryData ?? {}), ...Object.keys(o.stringData ?? {})])] : null;
    };
    const configMaps: Record<string, string[] | null> = {};
    const secrets: Record<string, string[] | null> = {};
    for (const name of refs.configMaps ?? []) configMaps[name] = await keysOf({ ...CONFIGMAPS, namespace, name });
    for (const name of refs.secrets ?? []) secrets[name] = await keysOf({ ...SECRETS, namespace, name });
    return { configMaps, secrets };
  }

  /** Watches the namespace's pods of `service` so container restarts become crash records. */
  private follow(namespace: string, service: string): void {
    if (this.opts.watch === false || this.watchers.has(`${namespace}/${service}`)) return;
    const w = new PodWatcher(this.opts.kubeConfig, this.client, {
      namespace,
      labelSelector: `${LABEL.service}=${service}`,
      retryMs: this.opts.watchRetryMs ?? 1000,
      onPod: (pod, deleted) => this.onPod(namespace, service, pod, deleted),
    });
    this.watchers.set(`${namespace}/${service}`, w);
    w.start();
  }

  private onPod(namespace: string, service: string, pod: Pod, deleted: boolean): void {
    const name = pod.metadata.name;
    if (deleted) return void this.known.delete(name);
    const c = pod.status?.containerStatuses?.[0];
    const restarts = c?.restartCount ?? 0;
    const k = this.known.get(name);
    const before = k?.restarts ?? 0;
    const failed = pod.status?.phase === 'Failed';
    this.known.set(name, { namespace, instance: k?.instance, restarts: Math.max(before, restarts) });
    if (restarts <= before && !(failed && k?.instance?.state === 'running')) return;
    const ended = c?.lastState?.terminated ?? c?.state?.terminated;
    const labels = pod.metadata.labels ?? {};
    if (k?.instance) k.instance = { ...k.instance, state: failed ? 'exited' : 'running' };
    this.crashes.push({
      seq: ++this.crashSeq,
      at: Date.parse(ended?.finishedAt ?? '') || Date.now(),
      service,
      instanceId: name,
      versionId: k?.instance?.versionId ?? labels[LABEL.versionId] ?? '',
      deploymentId: k?.instance?.deploymentId ?? '',
      exitCode: ended?.exitCode ?? null,
      reason: ended?.reason ?? c?.state?.waiting?.reason ?? 'restarted',
      restarted: !failed,
    });
  }

  /** Stops the watches (the process is shutting down, or a test is over). */
  close(): void {
    for (const w of this.watchers.values()) w.stop();
    this.watchers.clear();
  }
}

/** The runtime FLIGHTDECK_RUNTIME=kubernetes starts: cluster, namespace and Gateway from the environment. */
export function kubernetesRuntimeFromEnv(env: Record<string, string | undefined>, extra: Partial<KubernetesRuntimeOptions> = {}): KubernetesRuntime {
  return new KubernetesRuntime({ ...kubernetesOptionsFromEnv(env), ...extra });
}
