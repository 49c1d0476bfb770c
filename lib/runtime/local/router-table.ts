/**
 * The service router's routing table: an immutable, frozen object built in full from the
 * backends before it replaces the one in force, and the weighted pick of one route from it.
 * Per-instance state (in-flight count, drain waiters) outlives tables: an instance keeps its
 * state while it moves between tables, so a drain sees requests a previous table started.
 */
import type { VersionSeries } from './metrics';

export interface RouterBackend {
  instanceId: string;
  versionId: string;
  /** http://127.0.0.1:PORT */
  url: string;
  /** Relative weight; 0 or absent = out of rotation. */
  weight?: number;
}

/** One row of the table in force, as reported by `routes()`. */
export interface RouteInfo {
  instanceId: string;
  versionId: string;
  url: string;
  weight: number;
}

/** Per instance id, shared by every table the instance appears in. */
export interface InstanceState {
  readonly instanceId: string;
  inFlight: number;
  /** generation of the last table that had this instance in rotation */
  gen: number;
  /** drain waiters to poke when inFlight reaches 0 */
  waiters: Set<() => void> | null;
}

export interface Route {
  readonly instanceId: string;
  readonly versionId: string;
  readonly url: string;
  readonly hostname: string;
  readonly port: number;
  readonly weight: number;
  readonly state: InstanceState;
  readonly series: VersionSeries;
}

export interface Table {
  readonly gen: number;
  readonly routes: readonly Route[];
  /** cumulative weights, parallel to routes */
  readonly cumulative: Float64Array;
  readonly total: number;
}

export function pick(table: Table): Route | undefined {
  const routes = table.routes;
  const n = routes.length;
  if (n === 1) return routes[0];
  if (n === 0) return undefined;
  const r = Math.random() * table.total;
  const cum = table.cumulative;
  for (let i = 0; i < n - 1; i++) {
    if (r < cum[i]!) return routes[i];
  }
  return routes[n - 1];
}

export const EMPTY_TABLE: Table = Object.freeze({ gen: 0, routes: Object.freeze([]), cumulative: new Float64Array(0), total: 0 });

/**
 * The table for these backends, generation `gen`. Validates every backend before it touches
 * anything, so on error the caller's table and `states` stay as they were. Backends with
 * weight 0 (or none) are out of rotation and left out. An instance new to the router gets
 * its state in `states`; one already there keeps it, marked with this generation.
 */
export function buildTable(
  backends: ReadonlyArray<RouterBackend>,
  gen: number,
  states: Map<string, InstanceState>,
  seriesFor: (versionId: string) => VersionSeries,
): Table {
  const seen = new Set<string>();
  const parsed: Array<{ b: RouterBackend; hostname: string; port: number; weight: number }> = [];
  for (const b of backends) {
    if (seen.has(b.instanceId)) throw new Error(`duplicate instance ${b.instanceId} in routing table`);
    seen.add(b.instanceId);
    const weight = b.weight ?? 0;
    if (!Number.isFinite(weight) || weight < 0) {
      throw new Error(`invalid weight ${String(b.weight)} for instance ${b.instanceId}`);
    }
    if (weight === 0) continue;
    let u: URL;
    try {
      u = new URL(b.url);
    } catch {
      throw new Error(`invalid url ${JSON.stringify(b.url)} for instance ${b.instanceId}`);
    }
    if (u.protocol !== 'http:' || u.port === '') {
      throw new Error(`backend url must be http://host:port, got ${JSON.stringify(b.url)}`);
    }
    const hostname = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
    parsed.push({ b, hostname, port: Number(u.port), weight });
  }

  const routes: Route[] = [];
  const cumulative = new Float64Array(parsed.length);
  let total = 0;
  for (const { b, hostname, port, weight } of parsed) {
    let state = states.get(b.instanceId);
    if (state === undefined) {
      state = { instanceId: b.instanceId, inFlight: 0, gen, waiters: null };
      states.set(b.instanceId, state);
    }
    state.gen = gen;
    total += weight;
    cumulative[routes.length] = total;
    routes.push(
      Object.freeze({
        instanceId: b.instanceId,
        versionId: b.versionId,
        url: b.url,
        hostname,
        port,
        weight,
        state,
        series: seriesFor(b.versionId),
      }),
    );
  }
  return Object.freeze({ gen, routes: Object.freeze(routes), cumulative, total });
}
