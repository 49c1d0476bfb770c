/**
 * A tiny stand-in for the Deployment and ReplicaSet controllers and the kubelet: each
 * Deployment's replicas become Pods at once, a changed pod template replaces every pod, and a
 * scale-down removes pods the way a ReplicaSet picks them (lower pod-deletion-cost, not ready,
 * more restarts, newest first). What a pod looks like (ready, restarts, why its container waits
 * or died) is for the test to say.
 */
import { createHash } from 'node:crypto';
import { parseSelector, matches, type Obj, type Store } from './store';

export interface PodState {
  ready: boolean;
  restarts: number;
  /** The container is not running: CrashLoopBackOff, ImagePullBackOff, CreateContainerConfigError… */
  waiting?: { reason: string; message?: string };
  /** The container ended: OOMKilled, Error, Completed… */
  terminated?: { reason: string; exitCode: number; message?: string };
  /** How the previous run ended (what `kubectl describe` shows as Last State). */
  lastTerminated?: { reason: string; exitCode: number; message?: string };
}

const DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

function templateHash(template: Obj): string {
  return createHash('sha256').update(JSON.stringify(template ?? {})).digest('hex').slice(0, 10).replace(/[^a-z0-9]/g, 'x');
}

export class PodController {
  private seq = 0;
  private readonly states = new Map<string, PodState>();
  readonly logs = new Map<string, string[]>();
  /** The state a new pod of `deployment` starts in (default: running and ready). */
  initialState: (deployment: Obj) => Partial<PodState> = () => ({});
  /** Deployments changed while the controller was held, reconciled on release. */
  private held: Set<string> | null = null;

  constructor(
    private readonly store: Store,
    private readonly now: () => Date,
  ) {
    store.subscribe((e) => {
      if (e.resource !== 'deployments') return;
      if (this.held) this.held.add(`${e.namespace}/${e.object.metadata.name}`);
      else queueMicrotask(() => this.reconcileOne(e.namespace, e.object.metadata.name));
    });
  }

  /** Stops creating and deleting pods, as a slow or busy controller manager would, until `release()`. */
  hold(): void {
    this.held ??= new Set();
  }

  release(): void {
    const pending = this.held ?? new Set<string>();
    this.held = null;
    for (const key of pending) {
      const [ns, name] = key.split('/') as [string, string];
      this.reconcileOne(ns, name);
    }
  }

  private podsOf(ns: string, deployment: Obj): Obj[] {
    const sel = Object.entries<string>(deployment.spec?.selector?.matchLabels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    return this.store.list('pods', ns, sel).filter((p) => p.metadata.ownerReferences?.[0]?.uid === deployment.metadata.uid);
  }

  reconcileOne(ns: string, name: string): void {
    const d = this.store.get('deployments', ns, name);
    if (!d) {
      for (const p of this.store.list('pods', ns)) if (p.metadata.ownerReferences?.[0]?.name === name) this.deletePod(ns, p.metadata.name);
      return;
    }
    const hash = templateHash(d.spec?.template);
    const pods = this.podsOf(ns, d);
    for (const p of pods) if (p.metadata.labels?.['pod-template-hash'] !== hash) this.deletePod(ns, p.metadata.name);
    const current = this.podsOf(ns, d);
    const want = Number(d.spec?.replicas ?? 1);
    for (let i = current.length; i < want; i++) this.createPod(ns, d, hash);
    if (current.length > want) {
      const victims = [...current].sort((a, b) => this.deletionOrder(a, b)).slice(0, current.length - want);
      for (const v of victims) this.deletePod(ns, v.metadata.name);
    }
  }

  private deletionOrder(a: Obj, b: Obj): number {
    const cost = (p: Obj) => Number(p.metadata.annotations?.[DELETION_COST] ?? 0);
    const state = (p: Obj) => this.states.get(`${p.metadata.namespace}/${p.metadata.name}`);
    return (
      cost(a) - cost(b) ||
      Number(state(a)?.ready ?? false) - Number(state(b)?.ready ?? false) ||
      (state(b)?.restarts ?? 0) - (state(a)?.restarts ?? 0) ||
      b.metadata.creationTimestamp.localeCompare(a.metadata.creationTimestamp) ||
      b.metadata.name.localeCompare(a.metadata.name)
    );
  }

  private createPod(ns: string, d: Obj, hash: string): void {
    const name = `${d.metadata.name}-${hash.slice(0, 10)}-${(++this.seq).toString(36).padStart(5, '0')}`;
    const state: PodState = { ready: true, restarts: 0, ...this.initialState(d) };
    this.states.set(`${ns}/${name}`, state);
    this.logs.set(`${ns}/${name}`, [`${name} starting`]);
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: ns,
        labels: { ...(d.spec?.template?.metadata?.labels ?? {}), 'pod-template-hash': hash },
        annotations: { ...(d.spec?.template?.metadata?.annotations ?? {}) },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name, uid: d.metadata.uid, controller: true }],
      },
      spec: { ...structuredClone(d.spec?.template?.spec ?? {}), nodeName: 'node-1' },
      status: this.status(d.spec?.template?.spec, state, this.now().toISOString()),
    };
    this.store.put('pods', ns, pod, this.now());
  }

  private deletePod(ns: string, name: string): void {
    this.store.delete('pods', ns, name);
    this.states.delete(`${ns}/${name}`);
  }

  private status(spec: Obj, s: PodState, startTime: string): Obj {
    const name = spec?.containers?.[0]?.name ?? 'app';
    const running = !s.waiting && !s.terminated;
    const ready = running && s.ready;
    const state = s.waiting ? { waiting: s.waiting } : s.terminated ? { terminated: { ...s.terminated, finishedAt: this.now().toISOString() } } : { running: { startedAt: startTime } };
    return {
      phase: s.terminated && s.restarts === 0 ? 'Failed' : 'Running',
      podIP: '10.0.0.1',
      startTime,
      conditions: [
        { type: 'PodScheduled', status: 'True' },
        { type: 'ContainersReady', status: ready ? 'True' : 'False' },
        { type: 'Ready', status: ready ? 'True' : 'False', ...(ready ? {} : { reason: 'ContainersNotReady' }) },
      ],
      containerStatuses: [
        { name, ready, restartCount: s.restarts, image: spec?.containers?.[0]?.image ?? '', state, ...(s.lastTerminated ? { lastState: { terminated: s.lastTerminated } } : {}) },
      ],
    };
  }

  /** Changes what a pod looks like (as the kubelet would report it). */
  setPod(ns: string, name: string, patch: Partial<PodState>): Obj {
    const pod = this.store.get('pods', ns, name);
    if (!pod) throw new Error(`no pod ${ns}/${name}`);
    const prev = this.states.get(`${ns}/${name}`) ?? { ready: true, restarts: 0 };
    const next: PodState = { ...prev, ...patch };
    for (const k of ['waiting', 'terminated', 'lastTerminated'] as const) if (k in patch && patch[k] === undefined) delete next[k];
    this.states.set(`${ns}/${name}`, next);
    pod.status = this.status(pod.spec, next, pod.status?.startTime ?? this.now().toISOString());
    return this.store.put('pods', ns, pod, this.now());
  }

  pods(ns: string | null, selector?: string): Obj[] {
    const reqs = parseSelector(selector);
    return this.store.list('pods', ns).filter((p) => matches(p.metadata.labels, reqs));
  }
}
