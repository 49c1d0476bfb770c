/**
 * The API server double's storage: objects by resource, namespace and name, one global
 * resourceVersion counter bumped on every write, and the event history that watches replay.
 */
import { randomUUID } from 'node:crypto';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- stored objects are untyped JSON
export type Obj = any;

export interface ResourceType {
  group: string;
  version: string;
  /** Plural, as in URLs. */
  resource: string;
  kind: string;
  namespaced: boolean;
}

export const RESOURCES: ResourceType[] = [
  { group: '', version: 'v1', resource: 'namespaces', kind: 'Namespace', namespaced: false },
  { group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true },
  { group: '', version: 'v1', resource: 'services', kind: 'Service', namespaced: true },
  { group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', namespaced: true },
  { group: '', version: 'v1', resource: 'secrets', kind: 'Secret', namespaced: true },
  { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespaced: true },
  { group: 'gateway.networking.k8s.io', version: 'v1', resource: 'httproutes', kind: 'HTTPRoute', namespaced: true },
];

export function apiVersionOf(t: ResourceType): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

/** "deployments.apps", as the API server names a resource in its messages. */
export function qualified(t: ResourceType): string {
  return t.group ? `${t.resource}.${t.group}` : t.resource;
}

export interface WatchEvent {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  resource: string;
  namespace: string;
  object: Obj;
}

type Requirement = { key: string; op: '=' | '!=' | 'exists' | '!exists' | 'in' | 'notin'; values: string[] };

/** Parses a label selector: `a=b`, `a==b`, `a!=b`, `a`, `!a`, `a in (x,y)`, `a notin (x)`. */
export function parseSelector(s: string | null | undefined): Requirement[] {
  if (!s) return [];
  const parts = s.match(/([^,(]+(\([^)]*\))?)/g) ?? [];
  return parts.map((raw) => {
    const p = raw.trim();
    let m = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(p);
    if (m) return { key: m[1]!, op: m[2] as 'in' | 'notin', values: m[3]!.split(',').map((v) => v.trim()) };
    m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(p);
    if (m) return { key: m[1]!, op: m[2] === '!=' ? '!=' : '=', values: [m[3]!] };
    if (p.startsWith('!')) return { key: p.slice(1), op: '!exists', values: [] };
    return { key: p, op: 'exists', values: [] };
  });
}

export function matches(labels: Record<string, string> | undefined, reqs: Requirement[]): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.hasOwn(l, r.key);
    switch (r.op) {
      case '=':
        return l[r.key] === r.values[0];
      case '!=':
        return l[r.key] !== r.values[0];
      case 'exists':
        return has;
      case '!exists':
        return !has;
      case 'in':
        return has && r.values.includes(l[r.key]!);
      case 'notin':
        return !has || !r.values.includes(l[r.key]!);
    }
  });
}

export class Store {
  private rv = 0;
  private readonly objects = new Map<string, Obj>();
  readonly events: WatchEvent[] = [];
  /** Watches asking to resume before this resourceVersion get 410 Gone. */
  compactedBefore = 0;
  private readonly listeners = new Set<(e: WatchEvent) => void>();

  private key(resource: string, namespace: string, name: string): string {
    return `${resource}/${namespace}/${name}`;
  }

  currentRv(): number {
    return this.rv;
  }

  get(resource: string, namespace: string, name: string): Obj | undefined {
    const o = this.objects.get(this.key(resource, namespace, name));
    return o === undefined ? undefined : structuredClone(o);
  }

  list(resource: string, namespace: string | null, selector?: string | null): Obj[] {
    const reqs = parseSelector(selector);
    const out: Obj[] = [];
    for (const [k, o] of this.objects) {
      const [r, ns] = k.split('/');
      if (r !== resource || (namespace !== null && ns !== namespace)) continue;
      if (matches(o.metadata?.labels, reqs)) out.push(structuredClone(o));
    }
    return out.sort((a, b) => (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name.localeCompare(b.metadata.name));
  }

  /** Stores `obj` (creating or replacing it), stamping resourceVersion, uid and timestamps. */
  put(resource: string, namespace: string, obj: Obj, now = new Date()): Obj {
    const k = this.key(resource, namespace, obj.metadata.name);
    const prev = this.objects.get(k);
    const stored = structuredClone(obj);
    stored.metadata.resourceVersion = String(++this.rv);
    stored.metadata.uid = prev?.metadata.uid ?? randomUUID();
    stored.metadata.creationTimestamp = prev?.metadata.creationTimestamp ?? now.toISOString();
    if (namespace) stored.metadata.namespace = namespace;
    const specChanged = !prev || JSON.stringify(prev.spec) !== JSON.stringify(stored.spec);
    stored.metadata.generation = (prev?.metadata.generation ?? 0) + (specChanged ? 1 : 0);
    this.objects.set(k, stored);
    this.emit({ rv: this.rv, type: prev ? 'MODIFIED' : 'ADDED', resource, namespace, object: structuredClone(stored) });
    return structuredClone(stored);
  }

  delete(resource: string, namespace: string, name: string): Obj | undefined {
    const k = this.key(resource, namespace, name);
    const prev = this.objects.get(k);
    if (!prev) return undefined;
    this.objects.delete(k);
    const gone = structuredClone(prev);
    gone.metadata.resourceVersion = String(++this.rv);
    this.emit({ rv: this.rv, type: 'DELETED', resource, namespace, object: structuredClone(gone) });
    return gone;
  }

  private emit(e: WatchEvent): void {
    this.events.push(e);
    for (const l of this.listeners) l(e);
  }

  subscribe(fn: (e: WatchEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}
