/**
 * Fencing for writes to the cluster. A lease's token is written on every object Flightdeck
 * owns; a writer refuses to touch an object that carries a higher token than its own, and
 * every write is conditional on the resourceVersion it read, so an object changed in between
 * (by the next lease holder, say) is not overwritten. A worker that lost its lease thus
 * changes nothing on the API server, even while its process lives on.
 */
import { RuntimeFault, StaleFenceError, type Fence } from '../types';
import { ANNOTATION, LABEL } from './names';
import type { KubeObject } from './objects';

export class FenceBook {
  private readonly highest = new Map<string, number>();

  /** Refuses a token lower than one already seen for the service. */
  check(fence: Fence): void {
    const h = this.highest.get(fence.service);
    if (h !== undefined && fence.token < h) throw new StaleFenceError(fence, h);
    this.highest.set(fence.service, fence.token);
  }

  /** Refuses to write `obj` when a later lease holder already wrote it. */
  observe(fence: Fence, obj: KubeObject | null): void {
    const t = Number(obj?.metadata.annotations?.[ANNOTATION.fence]);
    if (!Number.isFinite(t) || t <= fence.token) return;
    this.highest.set(fence.service, Math.max(t, this.highest.get(fence.service) ?? t));
    throw new StaleFenceError(fence, t);
  }
}

/** Refuses to take over an object of the same name that belongs to something else. */
export function assertOwned(obj: KubeObject | null, service: string, versionLabel?: string): void {
  if (!obj) return;
  const labels = obj.metadata.labels ?? {};
  const where = `${obj.kind} ${obj.metadata.namespace}/${obj.metadata.name}`;
  if (labels['app.kubernetes.io/managed-by'] !== 'flightdeck' || labels[LABEL.service] !== service) {
    throw new RuntimeFault('conflict', `${where} already exists and is not Flightdeck's object for ${service} (managed-by ${labels['app.kubernetes.io/managed-by'] ?? 'nobody'}, service ${labels[LABEL.service] ?? 'none'}); rename or remove it`, {
      kind: obj.kind,
      name: obj.metadata.name,
    });
  }
  if (versionLabel !== undefined && labels[LABEL.version] !== versionLabel) {
    throw new RuntimeFault('conflict', `${where} belongs to version ${labels[LABEL.version]} of ${service}, not ${versionLabel}`, { kind: obj.kind, name: obj.metadata.name });
  }
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Whether `live` already holds everything `desired` sets (fields the API server added, such
 * as defaults and status, do not matter). Equal means there is nothing to write.
 */
export function holds(live: unknown, desired: unknown): boolean {
  if (Array.isArray(desired)) return Array.isArray(live) && live.length === desired.length && desired.every((d, i) => holds(live[i], d));
  if (isMap(desired)) return isMap(live) && Object.entries(desired).every(([k, v]) => holds(live[k], v));
  return live === desired;
}
