/**
 * The overview's one read: services × environments, each cell with the live version, instance
 * health, recent traffic and error rate, the deployment in flight with its progress, and the
 * version a rollback would return to — so the panel can say "Roll back to v2.2.0" before anyone clicks.
 */
import { Prisma, type Db } from '../db/client';
import { getRuntime } from '../runtime/registry';
import { instanceWeights, totalTraffic } from '../runtime/types';
import { readState } from '../state/deployment-state';
import { currentCursor } from '../events/read';
import { listEnvironmentRows, resolveEnvironment } from './environments';
import { budgetsOf, everyWindowTotals } from './error-budget';
import { chooseFromHistory } from './rollback';

const TRAFFIC_WINDOW_MS = 60_000;
/**
 * History rows read per cell for its rollback target: the newest few hold it in all but rare
 * cases (the current version and bad ones in a row); a cell whose rows hold none reads all of
 * its own history, so the choice is the same as from the whole history.
 */
const HISTORY_PER_CELL = 3;

type HistoryRow = { versionId: string; from: Date; until: Date | null };
type VersionRow = { id: string; serviceId: string; semver: string; bad: boolean };

/** Epoch milliseconds of a timestamp column, as JSON carries it. */
const ms = (column: Prisma.Sql) => Prisma.sql`round(date_part('epoch', ${column}) * 1000)::bigint`;

/**
 * Every service (by name) with the names of its dependencies, and the version live in each
 * (service, environment) — one read, as one JSON document each.
 */
async function servicesAndLive(db: Db) {
  type ServiceRow = { id: string; name: string; description: string; replicas: number; sloAvailability: number; budgetFreeze: boolean; dependencies: string[] };
  const [row] = await db.$queryRaw<Array<{ services: ServiceRow[]; live: Array<[serviceId: string, environmentId: string, semver: string, from: number]> }>>`
    SELECT
      (SELECT COALESCE(json_agg(json_build_object(
                'id', s.id, 'name', s.name, 'description', s.description, 'replicas', s.replicas,
                'sloAvailability', s.slo_availability, 'budgetFreeze', s.budget_freeze,
                'dependencies', (SELECT COALESCE(json_agg(d.name), '[]'::json) FROM service_dependencies sd JOIN services d ON d.id = sd.depends_on_id WHERE sd.service_id = s.id))
              ORDER BY s.name), '[]'::json)
       FROM services s) AS services,
      (SELECT COALESCE(json_agg(json_build_array(r.service_id, r.environment_id, v.semver, ${ms(Prisma.sql`r."from"`)})), '[]'::json)
       FROM release_history r JOIN versions v ON v.id = r.version_id WHERE r.until IS NULL) AS live`;
  return row!;
}

/**
 * The newest history rows of every cell with a live version — or, given one, of that cell —
 * newest first, with the versions they name, in one read: what the rollback choice needs.
 */
async function recentHistory(
  db: Db,
  cell: { serviceId: string; environmentId: string } | null,
  limit: number | null,
): Promise<{ history: Map<string, HistoryRow[]>; versions: VersionRow[] }> {
  const cells = cell
    ? Prisma.sql`SELECT ${cell.serviceId}::uuid AS service_id, ${cell.environmentId}::uuid AS environment_id`
    : Prisma.sql`SELECT DISTINCT service_id, environment_id FROM release_history WHERE until IS NULL`;
  type Row = [serviceId: string, environmentId: string, versionId: string, from: number, until: number | null, versionServiceId: string | null, semver: string | null, bad: boolean | null];
  const [{ rows }] = (await db.$queryRaw<Array<{ rows: Row[] }>>`
    SELECT COALESCE(json_agg(json_build_array(c.service_id, c.environment_id, h.version_id, h."from", h.until, h.version_service_id, h.semver, h.bad)), '[]'::json) AS rows
    FROM (${cells}) c
    CROSS JOIN LATERAL (
      SELECT r.version_id, ${ms(Prisma.sql`r."from"`)} AS "from", ${ms(Prisma.sql`r.until`)} AS until, v.service_id AS version_service_id, v.semver, v.bad
      FROM release_history r LEFT JOIN versions v ON v.id = r.version_id
      WHERE r.service_id = c.service_id AND r.environment_id = c.environment_id
      ORDER BY r."from" DESC LIMIT ${limit ?? 2_147_483_647}) h`) as [{ rows: Row[] }];
  const history = new Map<string, HistoryRow[]>();
  const versions = new Map<string, VersionRow>();
  for (const [serviceId, environmentId, versionId, from, until, versionServiceId, semver, bad] of rows) {
    const key = `${serviceId}/${environmentId}`;
    let list = history.get(key);
    if (!list) history.set(key, (list = []));
    list.push({ versionId, from: new Date(from), until: until === null ? null : new Date(until) });
    if (versionServiceId !== null && !versions.has(versionId)) versions.set(versionId, { id: versionId, serviceId: versionServiceId, semver: semver!, bad: bad! });
  }
  return { history, versions: [...versions.values()] };
}

/** One service in one environment: one cell of the overview's matrix. */
export interface OverviewCell {
  environment: string;
  liveVersion: string | null;
  liveSince: string | null;
  health: { serving: number; running: number; exited: number; status: 'healthy' | 'degraded' | 'down' | 'unknown' | 'idle' };
  traffic: { windowSeconds: number; requests: number; errors: number; errorRate: number | null } | null;
  activeDeployment: {
    id: string;
    kind: string;
    state: string;
    phase: string;
    strategy: string;
    from: string | null;
    to: string;
    step: number;
    totalSteps: number;
    startedAt: string | null;
  } | null;
  rollbackTarget: string | null;
  rollbackNote: string | null;
  errorBudget: { sloAvailability: number; budgetMinutes: number; leftMinutes: number; spentFraction: number; exhausted: boolean; frozen: boolean } | null;
}

export interface ServiceOverview {
  name: string;
  description: string;
  replicas: number;
  dependencies: string[];
  /** One cell per environment, in environment order. */
  cells: OverviewCell[];
}

export interface OverviewEnvironment {
  name: string;
  order: number;
  protected: boolean;
}

/** Services × environments: each cell the version live there, its health, traffic, in-flight deployment and rollback target. */
export async function getOverview(db: Db, now = Date.now()): Promise<{ environments: OverviewEnvironment[]; services: ServiceOverview[]; at: string; cursor: number }> {
  // Every read at once: the services with what is live where, the deployments in flight, the
  // budget totals of every cell and the recent history of every cell with a live version.
  const totals = everyWindowTotals(db, now);
  totals.catch(() => undefined); // awaited below, after the others
  const [cursor, envs, { services, live }, active, { history, versions }] = await Promise.all([
    currentCursor(db),
    listEnvironmentRows(db),
    servicesAndLive(db),
    db.deployment.findMany({
      where: { activeFor: { not: null } },
      include: { toVersion: { select: { semver: true } }, fromVersion: { select: { semver: true } } },
    }),
    recentHistory(db, null, HISTORY_PER_CELL),
  ]);
  // No environment at all: the same refusal as every other read that needs one.
  if (envs.length === 0) await resolveEnvironment(db);
  const budgets = await budgetsOf(
    db,
    services.map((s) => ({ id: s.id, sloAvailability: s.sloAvailability, budgetFreeze: s.budgetFreeze })),
    envs.map((e) => e.id),
    now,
    totals,
  ).catch(() => null);
  const liveOf = new Map(live.map(([serviceId, environmentId, semver, from]) => [`${serviceId}/${environmentId}`, { semver, since: new Date(from).toISOString() }]));
  const activeOf = new Map(active.map((d) => [`${d.serviceId}/${d.environmentId}`, d]));
  const versionsOf = new Map<string, VersionRow[]>();
  for (const v of versions) {
    if (!versionsOf.has(v.serviceId)) versionsOf.set(v.serviceId, []);
    versionsOf.get(v.serviceId)!.push(v);
  }
  const rollbackChoice = async (s: (typeof services)[number], env: (typeof envs)[number], liveVersion: string) => {
    const key = `${s.id}/${env.id}`;
    // Oldest first, as the history reads (equal start times keep that order).
    const choose = (newestFirst: HistoryRow[], own: VersionRow[]) =>
      chooseFromHistory({ history: [...newestFirst].reverse(), versions: own, currentVersionId: own.find((v) => v.semver === liveVersion)?.id ?? null, service: s.name });
    const rows = history.get(key);
    if (rows) {
      try {
        return choose(rows, versionsOf.get(s.id) ?? []);
      } catch (e) {
        if (rows.length < HISTORY_PER_CELL) throw e;
      }
    }
    // Every recent version is bad or current (or it went live after the history was read): look
    // further back, in this cell's whole history.
    const all = (await recentHistory(db, { serviceId: s.id, environmentId: env.id }, null)).history.get(key) ?? [];
    const own = await db.version.findMany({ where: { serviceId: s.id }, select: { id: true, serviceId: true, semver: true, bad: true } });
    return choose(all, own);
  };
  const cell = async (s: (typeof services)[number], env: (typeof envs)[number]): Promise<OverviewCell> => {
    const runtime = getRuntime(env);
    const here = liveOf.get(`${s.id}/${env.id}`);
    const liveVersion = here?.semver ?? null;
    const a = activeOf.get(`${s.id}/${env.id}`);
    let health: OverviewCell['health'] = { serving: 0, running: 0, exited: 0, status: 'unknown' };
    let traffic: OverviewCell['traffic'] = null;
    if (runtime) {
      try {
        const [list, routes, byVersion] = await Promise.all([
          runtime.list(s.name),
          runtime.getRoutes(s.name),
          runtime.traffic(s.name, now - TRAFFIC_WINDOW_MS, now),
        ]);
        const weights = instanceWeights(routes, list);
        const inRotation = new Set([...weights].filter(([, w]) => w > 0).map(([id]) => id));
        const running = list.filter((i) => i.state === 'running');
        const serving = running.filter((i) => inRotation.has(i.id)).length;
        const exited = list.length - running.length;
        const status = !liveVersion && list.length === 0 ? 'idle' : serving === 0 ? 'down' : serving < s.replicas || exited > 0 ? 'degraded' : 'healthy';
        health = { serving, running: running.length, exited, status };
        const { requests, errors } = totalTraffic(byVersion);
        traffic = { windowSeconds: TRAFFIC_WINDOW_MS / 1000, requests, errors, errorRate: requests ? errors / requests : null };
      } catch {
        /* the runtime is unreachable: show unknown rather than fail the page */
      }
    }
    let rollbackTarget: string | null = null;
    let rollbackNote: string | null = null;
    if (a && a.state !== 'awaiting_approval') {
      rollbackTarget = a.fromVersion?.semver ?? null;
      rollbackNote = `aborts the ${a.strategy} deployment of v${a.toVersion.semver}`;
    } else if (liveVersion) {
      try {
        rollbackTarget = (await rollbackChoice(s, env, liveVersion)).target.semver;
      } catch (e) {
        rollbackNote = (e as Error).message;
      }
    }
    const plan = a ? readState(a).plan : undefined;
    const b = budgets?.get(`${s.id}/${env.id}`) ?? null;
    return {
      environment: env.name,
      liveVersion,
      liveSince: here?.since ?? null,
      health,
      traffic,
      activeDeployment: a
        ? {
            id: a.id,
            kind: a.kind,
            state: a.state,
            phase: a.phase,
            strategy: a.strategy,
            from: a.fromVersion?.semver ?? null,
            to: a.toVersion.semver,
            step: a.cursor,
            totalSteps: plan?.steps.length ?? 0,
            startedAt: a.startedAt?.toISOString() ?? null,
          }
        : null,
      rollbackTarget,
      rollbackNote,
      errorBudget: b
        ? { sloAvailability: b.sloAvailability, budgetMinutes: b.budgetMinutes, leftMinutes: b.leftMinutes, spentFraction: b.spentFraction, exhausted: b.exhausted, frozen: b.freezeWhenSpent && b.exhausted }
        : null,
    };
  };
  const out = await Promise.all(
    services.map(async (s): Promise<ServiceOverview> => ({
      name: s.name,
      description: s.description,
      replicas: s.replicas,
      dependencies: s.dependencies.sort(),
      cells: await Promise.all(envs.map((e) => cell(s, e))),
    })),
  );
  return { environments: envs.map((e) => ({ name: e.name, order: e.order, protected: e.protected })), services: out, at: new Date(now).toISOString(), cursor };
}
