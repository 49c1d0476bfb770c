/**
 * The Kubernetes runtime: a version is a Deployment (its slots kept as the replica count and an
 * annotation) and a Service; a service's traffic is an HTTPRoute's weights (with a Gateway) and
 * its stable Service. Writes are server-side apply as the `flightdeck` field manager, fenced
 * with the lease token and conditional on the resourceVersion read. Anything the platform
 * refuses comes back as a RuntimeFault naming the reason; nothing here ever judges a version.
 */
import { isAppError } from '../../errors/app-error';
import type { CrashRecord, Fence, InstanceStatus, RoutingTable, Runtime, RuntimeExtras, RuntimePreflight, VersionTraffic, Workload } from '../types';
import { isRuntimeFault, RuntimeFault } from '../types';
import { DEPLOYMENTS, HTTPROUTES, KubeClient, PODS, SERVICES, type ResourceRef } from './client';
import type { KubernetesRuntimeOptions } from './config';
import { FenceBook, assertOwned, holds } from './fence';
import { instancesOf, isReady, versionFacts, type VersionFacts } from './instances';
import { parseVersion, routeObjects, versionDeployment, versionService, SERVICE_PORT, NO_VERSION } from './manifests';
import { ANNOTATION, LABEL, standardLabels, stableName, versionLabel, versionObjectName } from './names';
import type { Deployment, HTTPRoute, KubeObject, Pod, Service } from './objects';
import { PodBook } from './pod-book';
import { configSources, runtimePreflight } from './preflight';
import type { VersionInput } from './spec';
import { countsFromPrometheus } from './traffic';
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

/** A write refused because the object changed since it was read (not a field another manager owns). */
function isStaleWrite(e: unknown): boolean {
  return isRuntimeFault(e) && e.kind === 'conflict' && /has been modified/.test(String(e.details.apiMessage ?? ''));
}

/** The word for a slot whose pod the platform has not created yet (a Deployment scales asynchronously). */
export const NO_POD_YET = 'NoPodYet';

export const NO_GATEWAY_NOTE =
  'No Gateway configured: canary weights are approximated by the ratio of ready pods of each version behind the stable Service (as without traffic routing).';

export class KubernetesRuntime implements Runtime, RuntimeExtras {
  readonly kind = 'kubernetes';
  readonly client: KubeClient;
  private readonly fences = new FenceBook();
  private readonly watchers = new Map<string, PodWatcher>();
  private readonly pods: PodBook;
  /** When each slot without a pod was first seen, by "<namespace>/<deployment>/<slot>". */
  private readonly pendingSince = new Map<string, number>();
  private readonly now: () => number;
  /** The versions whose requests `traffic` counts, per service, and when they were listed. */
  private readonly counted = new Map<string, { at: number; versions: Array<{ versionId: string; versionLabel: string }> }>();

  constructor(private readonly opts: KubernetesRuntimeOptions) {
    this.client = new KubeClient(opts.kubeConfig, opts.requestTimeoutMs, opts.configError);
    this.now = opts.now ?? Date.now;
    this.pods = new PodBook(this.now);
  }

  namespaceFor(service: string): string {
    return this.opts.namespace ?? service;
  }

  private versionInput(w: Workload, namespace: string): VersionInput {
    if (!w.image) throw new RuntimeFault('invalid', `version ${w.semver} of ${w.service} has no container image (artifact.image): Kubernetes cannot run it`, { versionId: w.versionId });
    return {
      service: w.service,
      semver: w.semver,
      versionId: w.versionId,
      ...(w.deploymentId ? { deploymentId: w.deploymentId } : {}),
      namespace,
      image: w.image,
      ...(w.port ? { port: w.port } : {}),
      env: w.env,
      envFrom: w.envFrom ?? [],
      ...(w.resources ? { resources: w.resources } : {}),
      health: { ...(w.health ?? {}), path: w.healthPath },
      drainSeconds: this.opts.drainSeconds ?? 30,
    };
  }

  /** Runs a read-check-write again when the object changed in between (a controller updated its status…). */
  private async retrying<T>(attempt: () => Promise<T>): Promise<T> {
    const max = Math.max(1, this.opts.conflictAttempts ?? 3);
    for (let i = 1; ; i++) {
      try {
        return await attempt();
      } catch (e) {
        if (i >= max || !isStaleWrite(e)) throw e;
      }
    }
  }

  /**
   * Takes the service's fence record (its stable Service) for `fence`: refuses when a later
   * token wrote it, and writes this token on it before any other object is touched.
   */
  private claim(fence: Fence, namespace: string): Promise<Service> {
    const name = stableName(fence.service);
    const ref = { ...SERVICES, namespace, name };
    return this.retrying(async () => {
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
    });
  }

  /** Applies `desired` unless the live object already holds it; conditional on what was read. Answers what was there before. */
  private write<T extends KubeObject>(fence: Fence, ref: ResourceRef & { name: string }, desired: T, version?: string): Promise<T | null> {
    return this.retrying(async () => {
      const live = await this.client.get<T>(ref);
      assertOwned(live, fence.service, version);
      this.fences.observe(fence, live);
      if (!live || !holds(live, desired)) await this.client.apply(ref, desired, live?.metadata.resourceVersion);
      return live;
    });
  }

  /**
   * Refuses to act while the service's pod watch has been down longer than the grace period:
   * Flightdeck would not see its pods crash or restart. A watch that comes back within it lost
   * nothing (it lists the pods again before resuming).
   */
  private assertWatching(namespace: string, service: string): void {
    const w = this.watchers.get(`${namespace}/${service}`);
    const grace = this.opts.watchGraceMs ?? 30_000;
    if (!w || w.downSince === null || Date.now() - w.downSince < grace) return;
    const seconds = Math.round((Date.now() - w.downSince) / 1000);
    throw new RuntimeFault(
      'unreachable',
      `the watch on the pods of ${service} in namespace ${namespace} dropped ${seconds} s ago and has not come back (${w.lastError}): Flightdeck would not see its pods crash or restart`,
      { namespace, service, watchDownSince: new Date(w.downSince).toISOString(), lastError: w.lastError },
    );
  }

  async scale(fence: Fence, workload: Workload, slots: number[], _drainTimeoutMs: number): Promise<void> {
    this.fences.check(fence);
    if (workload.service !== fence.service) throw new RuntimeFault('invalid', `fence is for ${fence.service}, workload for ${workload.service}`);
    const namespace = this.namespaceFor(workload.service);
    const input = this.versionInput(workload, namespace);
    const name = asFault(() => versionObjectName(workload.service, workload.semver));
    const label = versionLabel(workload.semver);
    this.assertWatching(namespace, workload.service);
    this.counted.delete(workload.service);
    await this.claim(fence, namespace);
    const ref = { ...DEPLOYMENTS, namespace, name };
    const service = asFault(() => versionService(input, fence.token));
    await this.write(fence, { ...SERVICES, namespace, name }, service, label);
    await this.retrying(async () => {
      const live = await this.client.get<Deployment>(ref);
      // Slots already running keep the deployment that started them; new ones are this deployment's.
      const before = live ? versionFacts(live) : null;
      const owners: Record<string, string> = {};
      for (const s of slots) owners[String(s)] = before?.slots.includes(s) && before.owners[String(s)] ? before.owners[String(s)]! : workload.deploymentId;
      const deployment = asFault(() => versionDeployment(input, { slots, slotOwners: owners, fence: fence.token }));
      assertOwned(live, fence.service, label);
      this.fences.observe(fence, live);
      if (!live || !holds(live, deployment)) await this.client.apply(ref, deployment, live?.metadata.resourceVersion);
    });
  }

  private async versions(namespace: string, service: string): Promise<Array<{ facts: VersionFacts; deployment: Deployment }>> {
    const { items } = await this.client.list<Deployment>({ ...DEPLOYMENTS, namespace }, `${LABEL.service}=${service}`);
    return items.flatMap((deployment) => {
      const facts = versionFacts(deployment);
      return facts ? [{ facts, deployment }] : [];
    });
  }

  /**
   * Every pod of every version, and one instance for each slot whose pod the platform has not
   * created yet (reason NoPodYet): a step waiting for readiness sees it starting, not missing.
   */
  async list(service: string): Promise<InstanceStatus[]> {
    const namespace = this.namespaceFor(service);
    const versions = await this.versions(namespace, service);
    const { items: pods } = await this.client.list<Pod>({ ...PODS, namespace }, `${LABEL.service}=${service}`);
    const out: InstanceStatus[] = [];
    for (const { facts: v, deployment } of versions) {
      const mine = instancesOf(service, v, pods);
      out.push(...mine);
      const taken = new Set(mine.map((i) => i.slot));
      for (const slot of v.slots) {
        const key = `${namespace}/${deployment.metadata.name}/${slot}`;
        if (taken.has(slot)) {
          this.pendingSince.delete(key);
          continue;
        }
        if (!this.pendingSince.has(key)) this.pendingSince.set(key, this.now());
        out.push({
          id: `${deployment.metadata.name}:slot-${slot}`,
          service,
          versionId: v.versionId,
          semver: v.semver,
          slot,
          deploymentId: v.owners[String(slot)] ?? v.deploymentId,
          startedAt: this.pendingSince.get(key)!,
          state: 'running',
          reason: NO_POD_YET,
          restarts: 0,
        });
      }
    }
    this.pods.listed(namespace, out);
    this.follow(namespace, service);
    return out;
  }

  /**
   * Ready means the kubelet's readiness probe on the health path passes (the Ready condition).
   * A pod no node can take is the cluster's shortage, not the version's failure: a fault.
   */
  async probe(instanceId: string, _path: string, timeoutMs: number): Promise<boolean> {
    const namespace = this.pods.namespaceOf(instanceId);
    if (!namespace) return false;
    const pod = await this.client.request<Pod>('GET', 'get', { ...PODS, namespace, name: instanceId }, `/api/v1/namespaces/${namespace}/pods/${instanceId}`, {
      allowNotFound: true,
      timeoutMs: Math.max(timeoutMs, 1000),
    });
    const scheduled = pod?.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
      throw new RuntimeFault('capacity', `pod ${namespace}/${instanceId} cannot be scheduled (Unschedulable): ${scheduled.message ?? 'no node can take it'}`, { pod: instanceId, namespace });
    }
    return !!pod && pod.status?.phase === 'Running' && isReady(pod);
  }

  async setRoutes(fence: Fence, table: RoutingTable): Promise<void> {
    this.fences.check(fence);
    if (table.service !== fence.service) throw new RuntimeFault('invalid', `fence is for ${fence.service}, routing table for ${table.service}`);
    const namespace = this.namespaceFor(fence.service);
    this.assertWatching(namespace, fence.service);
    await this.claim(fence, namespace);
    const facts = (await this.versions(namespace, fence.service)).map((v) => v.facts);
    const objs = asFault(() => routeObjects({ service: fence.service, namespace, table, versions: facts, gateway: this.opts.gateway, fence: fence.token }));
    const name = stableName(fence.service);
    const routeRef = { ...HTTPROUTES, namespace, name };
    // The HTTPRoute is what the Gateway reads; the stable Service follows it.
    const before = objs.route ? await this.write<HTTPRoute>(fence, routeRef, objs.route) : null;
    try {
      await this.write<Service>(fence, { ...SERVICES, namespace, name }, objs.service);
    } catch (e) {
      if (!before || !isRuntimeFault(e)) throw e;
      // No half-applied table: put the HTTPRoute's weights back as they were before failing.
      const restore: HTTPRoute = {
        apiVersion: before.apiVersion,
        kind: before.kind,
        metadata: { name, namespace, labels: before.metadata.labels, annotations: { ...before.metadata.annotations, [ANNOTATION.fence]: String(fence.token) } },
        spec: before.spec,
      };
      const undone = await this.write(fence, routeRef, restore).then(
        () => 'the HTTPRoute weights were put back as they were',
        (u: Error) => `putting the HTTPRoute weights back failed too (${u.message}): the Gateway splits by the new table, in-cluster traffic by the old`,
      );
      throw new RuntimeFault(e.kind, `${e.message} (${undone})`, { ...e.details, routeRestored: undone.startsWith('the HTTPRoute') });
    }
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

  /**
   * Requests and 5xx per version from the environment's Prometheus. Without one, or when the
   * cluster cannot say which versions exist, there are none: no data, never a pass. The list of
   * versions is kept a few seconds (the error budget samples fourteen minutes in a row).
   */
  async traffic(service: string, fromMs: number, toMs: number): Promise<Record<string, VersionTraffic>> {
    if (!this.opts.prometheus) return {};
    const namespace = this.namespaceFor(service);
    let counted = this.counted.get(service);
    if (!counted || Date.now() - counted.at > 10_000) {
      try {
        const versions = (await this.versions(namespace, service)).map(({ facts }) => ({ versionId: facts.versionId, versionLabel: facts.versionLabel }));
        counted = { at: Date.now(), versions };
        this.counted.set(service, counted);
      } catch (e) {
        if (isRuntimeFault(e)) return {};
        throw e;
      }
    }
    return countsFromPrometheus(this.opts.prometheus, { service, namespace, versions: counted.versions, fromMs, toMs });
  }

  /** What the cluster must hold before the version may run; reads only (ConfigMaps and Secrets by name). */
  async preflight(workload: Workload, input: { requiredConfigKeys: string[]; strategy: string }): Promise<RuntimePreflight> {
    const namespace = this.namespaceFor(workload.service);
    const problems: string[] = [];
    try {
      parseVersion(this.versionInput(workload, namespace));
    } catch (e) {
      problems.push((e as Error).message);
    }
    const sources = await configSources(this.client, namespace, workload.envFrom ?? []);
    const found = runtimePreflight({ required: input.requiredConfigKeys, env: workload.env, namespace, ...sources });
    const warnings = [...found.warnings];
    if (input.strategy === 'canary' && !this.opts.prometheus) {
      warnings.push('No Prometheus configured for this environment: the canary has no request counts, so its analysis cannot reach the minimum samples and will pause as inconclusive.');
    }
    return { missingConfigKeys: found.missingConfigKeys, problems: [...problems, ...found.problems], warnings };
  }

  trafficNote(): string | null {
    return this.opts.gateway ? null : NO_GATEWAY_NOTE;
  }

  async serviceAddress(service: string): Promise<string> {
    const host = this.opts.gateway?.hostnames?.[0];
    return host ? `http://${host}` : `http://${stableName(service)}.${this.namespaceFor(service)}.svc.cluster.local`;
  }

  async logs(instanceId: string, lines = 50): Promise<string[]> {
    const namespace = this.pods.namespaceOf(instanceId);
    if (!namespace) return [];
    const text = await this.client.logs({ ...PODS, namespace, name: instanceId }, lines);
    return text.split('\n').filter((l) => l !== '');
  }

  async crashesAfter(afterSeq: number): Promise<CrashRecord[]> {
    return this.pods.crashesAfter(afterSeq);
  }

  /** Watches the namespace's pods of `service` so container restarts become crash records. */
  private follow(namespace: string, service: string): void {
    if (this.opts.watch === false || this.watchers.has(`${namespace}/${service}`)) return;
    const w = new PodWatcher(this.opts.kubeConfig, this.client, {
      namespace,
      labelSelector: `${LABEL.service}=${service}`,
      retryMs: this.opts.watchRetryMs ?? 1000,
      onPod: (pod, deleted) => this.pods.seen(namespace, service, pod, deleted),
    });
    this.watchers.set(`${namespace}/${service}`, w);
    w.start();
  }

  /** The pod watch of a service, once one was started (tests and diagnostics). */
  watcherOf(service: string): PodWatcher | undefined {
    return this.watchers.get(`${this.namespaceFor(service)}/${service}`);
  }

  /** Stops the watches (the process is shutting down, or a test is over). */
  close(): void {
    for (const w of this.watchers.values()) w.stop();
    this.watchers.clear();
  }
}
