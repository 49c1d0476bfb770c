/**
 * Where a version's instances run in a fleet: pure rules, no I/O.
 *
 * Pools: a host belongs to the pool its `pool` label names ("default" without one). An
 * environment's `runtime.pool` and a service's `placement.pool` combine by qualification: both
 * named → the pool "<environment pool>-<service pool>" (production's "prod" × the service's
 * "web" → hosts labelled pool=prod-web), so environments never share hosts by accident and a
 * service can still have hosts of its own inside one; only one named → that one; neither →
 * "default".
 *
 * Spreading: each new slot goes to the pool's host with the fewest instances of the same
 * version, then of the same service, then of anything (relative to its capacity), then by
 * name — so no two instances of a version share a host while the pool has hosts enough, and
 * the same inputs always give the same placement (the plan preview says where each starts).
 */

export const DEFAULT_POOL = 'default';

export function effectivePool(environmentPool?: string | null, servicePool?: string | null): string {
  if (environmentPool && servicePool) return `${environmentPool}-${servicePool}`;
  return servicePool || environmentPool || DEFAULT_POOL;
}

export interface PlacementHost {
  name: string;
  /** Instances running on the host now, of every service and environment. */
  instances: number;
  /** The most instances it may run (null: no limit). */
  capacity: number | null;
  /** Instances of the version being placed already on it. */
  ofVersion: number;
  /** Instances of the service (any version) already on it. */
  ofService: number;
}

export interface Placement {
  placed: Array<{ slot: number; host: string }>;
  /** Slots no host could take (every host of the pool full or none ready). */
  unplaced: number[];
}

/** Place `slots` (in order) on `hosts` (the pool's ready hosts), spreading as described above. */
export function placeSlots(slots: number[], hosts: PlacementHost[]): Placement {
  const pool = hosts.map((h) => ({ ...h }));
  const placed: Placement['placed'] = [];
  const unplaced: number[] = [];
  for (const slot of slots) {
    const open = pool.filter((h) => h.capacity === null || h.instances < h.capacity);
    if (open.length === 0) {
      unplaced.push(slot);
      continue;
    }
    const load = (h: PlacementHost) => (h.capacity ? h.instances / h.capacity : h.instances);
    open.sort((a, b) => a.ofVersion - b.ofVersion || a.ofService - b.ofService || load(a) - load(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const h = open[0]!;
    h.instances++;
    h.ofVersion++;
    h.ofService++;
    placed.push({ slot, host: h.name });
  }
  return { placed, unplaced };
}
