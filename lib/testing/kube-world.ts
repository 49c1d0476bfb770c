/**
 * Given/when/then for deployments on Kubernetes: the real service layer and the real
 * orchestrator drive the real KubernetesRuntime, which talks HTTP to the API server double, under
 * a ManualClock that the double's timestamps follow too. Around the double:
 *  - a kubelet stand-in makes each pod behave as its version's config says (the demo service's
 *    keys): DEMO_WARMUP_SECONDS (not ready until then), DEMO_CRASH_ON_START (CrashLoopBackOff,
 *    restarting); re-read on every request, so readiness follows the clock;
 *  - users (ClusterTraffic) send `setLoad` requests per second, split as the cluster splits them;
 *  - a fake Prometheus serves their counters, for request counts and PromQL analysis;
 *  - `log` records, from the API server's own objects, every slot started or stopped and every
 *    routing table set, in order — what reached the cluster, not what was asked.
 */
import type { Db } from '../db/client';
import { ManualClock } from '../clock';
import { Orchestrator } from '../deploy/orchestrator';
import { KubernetesRuntime } from '../runtime/kubernetes/driver';
import type { KubernetesRuntimeOptions } from '../runtime/kubernetes/config';
import type { GatewayRef } from '../runtime/kubernetes/spec';
import { setRuntimeResolver } from '../runtime/registry';
import type { FakeAction } from '../runtime/fake';
import type { RoutingTable } from '../runtime/types';
import { claimDeployment, type LeaseHandle } from '../state/leases';
import { createService, type CreateServiceInput } from '../services';
import { createVersion } from '../services/versions';
import { getDeployment, type ServiceContext } from '../services/deployments';
import { createDeployment } from '../services/create-deployment';
import { readEvents } from '../events/read';
import { drive } from './drive';
import { startKubeApiServer, type KubeApiServer, type PodState, type RequestRecord } from './kube-apiserver';
import { ClusterTraffic } from './kube-traffic';
import { startFakePrometheus, type FakePrometheus } from './fake-prometheus';

export const KUBE_ACTOR = 'test@flightdeck';
export const NAMESPACE = 'flightdeck';
export const GATEWAY: GatewayRef = { name: 'public', namespace: 'gateways' };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- objects of the double are untyped JSON
type Obj = any;

type VersionSpec = string | { version: string; config?: Record<string, string>; artifact?: Record<string, unknown> };

export interface KubeWorldOptions {
  /** The Gateway HTTPRoutes attach to; null: none (weights approximated by replica ratio). */
  gateway?: GatewayRef | null;
  leaseTtlSeconds?: number;
  /** PromQL the runtime counts requests with (default: the application's http_requests_total). */
  countQueries?: { requests: string; errors: string };
  runtime?: Partial<KubernetesRuntimeOptions>;
}

function envOf(pod: Obj): Record<string, string> {
  return Object.fromEntries((pod.spec?.containers?.[0]?.env ?? []).map((e: { name: string; value: string }) => [e.name, e.value]));
}

export class KubeWorld {
  readonly log: FakeAction[] = [];
  readonly orchestrator: Orchestrator;
  readonly ctx: ServiceContext;
  readonly runtime: KubernetesRuntime;
  readonly traffic: ClusterTraffic;
  /** Runs before each request reaches the double (after the kubelet stand-in): a test may change the world in between. */
  beforeRequest: ((r: RequestRecord) => void) | null = null;
  private seq = 0;
  private readonly slots = new Map<string, number[]>();
  private readonly tables = new Map<string, string>();

  private constructor(
    readonly db: Db,
    readonly clock: ManualClock,
    readonly api: KubeApiServer,
    readonly prometheus: FakePrometheus,
    traffic: ClusterTraffic,
    opts: KubeWorldOptions,
  ) {
    this.traffic = traffic;
    api.now = () => new Date(this.clock.now());
    api.createNamespace(NAMESPACE);
    const gateway = opts.gateway === undefined ? GATEWAY : opts.gateway;
    this.runtime = new KubernetesRuntime({
      kubeConfig: api.kubeConfig(),
      namespace: NAMESPACE,
      ...(gateway ? { gateway } : {}),
      prometheus: { address: prometheus.url, ...opts.countQueries },
      now: () => this.clock.now(),
      watchRetryMs: 20,
      // A busy test machine can stall this process's event loop (the double runs in it) for seconds.
      requestTimeoutMs: 30_000,
      ...opts.runtime,
    });
    // The service layer (preflight, instances) reaches the same runtime the orchestrator drives.
    setRuntimeResolver(() => this.runtime);
    this.orchestrator = new Orchestrator({ db, runtime: this.runtime, clock: this.clock, analysisIntervalSeconds: 10 });
    this.ctx = { db, clock: this.clock, leaseTtlSeconds: opts.leaseTtlSeconds };
    api.controller.initialState = (d) => this.podState(envOf(d.spec.template), this.clock.now(), { ready: false, restarts: 0 });
    api.beforeRequest = (r) => {
      this.kubelet();
      this.beforeRequest?.(r);
    };
    api.store.subscribe((e) => this.record(e.resource, e.object, !!gateway));
  }

  static async start(db: Db, opts: KubeWorldOptions = {}): Promise<KubeWorld> {
    const clock = new ManualClock();
    const api = await startKubeApiServer();
    const traffic = new ClusterTraffic(api, clock, NAMESPACE, (opts.gateway === undefined ? GATEWAY : opts.gateway) !== null);
    const prometheus = await startFakePrometheus((metric, at) => traffic.series(metric, at));
    return new KubeWorld(db, clock, api, prometheus, traffic, opts);
  }

  /** What a pod with this environment looks like `now`, started at `startedAt`. */
  private podState(env: Record<string, string>, startedAt: number, current: PodState): PodState {
    const elapsed = this.clock.now() - startedAt;
    if (env.DEMO_CRASH_ON_START) {
      // The container exits at once; the kubelet restarts it with a growing back-off.
      const restarts = Math.min(5, 1 + Math.floor(elapsed / 10_000));
      return { ready: false, restarts, waiting: { reason: 'CrashLoopBackOff', message: 'back-off restarting failed container app' }, lastTerminated: { reason: 'Error', exitCode: 1 } };
    }
    const warmupMs = Number(env.DEMO_WARMUP_SECONDS ?? 0) * 1000;
    return { ...current, ready: elapsed >= warmupMs };
  }

  /** The kubelet stand-in: every pod as its version's config says it should be now. */
  private kubelet(): void {
    for (const pod of this.api.pods(NAMESPACE)) {
      const startedAt = Date.parse(pod.status?.startTime ?? pod.metadata.creationTimestamp);
      const c = pod.status?.containerStatuses?.[0] ?? {};
      const current: PodState = { ready: !!c.ready, restarts: c.restartCount ?? 0 };
      const next = this.podState(envOf(pod), startedAt, current);
      const waiting = c.state?.waiting?.reason;
      if (next.ready !== current.ready || next.restarts !== current.restarts || next.waiting?.reason !== waiting) this.api.setPod(NAMESPACE, pod.metadata.name, next);
    }
  }

  private push(a: FakeAction extends infer A ? (A extends unknown ? Omit<A, 'seq'> : never) : never): void {
    this.log.push({ ...a, seq: ++this.seq } as FakeAction);
  }

  /** Slots started and stopped (from each version Deployment's slot annotation) and routing tables set, as the API server stored them. */
  private record(resource: string, o: Obj, gateway: boolean): void {
    const at = this.clock.now();
    if (resource === 'deployments') {
      const name = o.metadata.name;
      const versionId = o.metadata.labels?.['flightdeck.dev/version-id'];
      const now = String(o.metadata.annotations?.['flightdeck.dev/slots'] ?? '').split(',').filter(Boolean).map(Number);
      const before = this.slots.get(name) ?? [];
      this.slots.set(name, now);
      for (const slot of now.filter((s) => !before.includes(s))) this.push({ at, kind: 'start', instanceId: `${name}/${slot}`, versionId, slot });
      for (const slot of before.filter((s) => !now.includes(s))) this.push({ at, kind: 'stop', instanceId: `${name}/${slot}`, versionId, slot });
    }
    const authoritative = gateway ? resource === 'httproutes' : resource === 'services' && o.metadata.labels?.['app.kubernetes.io/component'] === 'stable';
    const raw = o.metadata?.annotations?.['flightdeck.dev/routes'];
    if (authoritative && raw && this.tables.get(o.metadata.name) !== raw) {
      this.tables.set(o.metadata.name, raw);
      this.push({ at, kind: 'route', table: JSON.parse(raw) as RoutingTable });
    }
  }

  /** Marks an outside event (a hook call) in the same order as the cluster's changes. */
  mark(label: string): void {
    this.push({ at: this.clock.now(), kind: 'external', label });
  }

  setLoad(service: string, rps: number): void {
    this.traffic.setLoad(service, rps);
  }

  /** A service with versions whose artifact carries a container image (registry.example.com/<service>:<version>). */
  async service(input: Partial<CreateServiceInput> & { name: string }, versions: VersionSpec[] = []) {
    const s = await createService(
      this.db,
      { replicas: 1, template: { command: 'demo-service' }, health: { intervalSeconds: 5, gracePeriodSeconds: 60 }, ...input },
      KUBE_ACTOR,
    );
    for (const v of versions) {
      const spec = typeof v === 'string' ? { version: v } : v;
      await createVersion(this.db, s.name, { ...spec, artifact: { image: `registry.example.com/${s.name}:${spec.version}`, ...spec.artifact } }, KUBE_ACTOR);
    }
    return s;
  }

  async start(service: string, body: Record<string, unknown>, owner = 'worker-a'): Promise<{ id: string; lease: LeaseHandle }> {
    const r = await createDeployment(this.ctx, service, body, KUBE_ACTOR);
    if (r.dryRun) throw new Error('unexpected dry run');
    const lease = await claimDeployment(this.db, r.deployment.id, owner, this.clock.now());
    if (!lease) throw new Error(`could not claim lease of ${r.deployment.id}`);
    return { id: r.deployment.id, lease };
  }

  async run(lease: LeaseHandle, opts: Omit<Parameters<typeof drive>[0], 'db' | 'orchestrator' | 'clock' | 'lease'> = {}) {
    return drive({ db: this.db, orchestrator: this.orchestrator, clock: this.clock, lease, ...opts });
  }

  async deploy(service: string, body: Record<string, unknown>) {
    const { id, lease } = await this.start(service, body);
    await this.run(lease);
    return getDeployment(this.db, id);
  }

  events(id: string) {
    return readEvents(this.db, id);
  }

  /** The version's Deployment as the API server holds it. */
  deployment(service: string, semver: string): Obj {
    return this.api.store.list('deployments', NAMESPACE, `flightdeck.dev/service=${service}`).find((d: Obj) => d.metadata.annotations?.['flightdeck.dev/semver'] === semver);
  }

  /** Weights of the service's HTTPRoute, by backend Service name. */
  weights(service: string): Record<string, number> {
    const route = this.api.get('httproutes', NAMESPACE, service);
    return Object.fromEntries((route?.spec?.rules?.[0]?.backendRefs ?? []).map((b: { name: string; weight: number }) => [b.name, b.weight]));
  }

  async close(): Promise<void> {
    this.runtime.close();
    await this.prometheus.close();
    await this.api.close();
  }
}
