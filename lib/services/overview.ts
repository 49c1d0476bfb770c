/**
 * The overview's one read: services × environments, each cell with the live version, instance
 * health, recent traffic and error rate, the deployment in flight with its progress, and the
 * version a rollback would return to — so the panel can say "Roll back to v2.2.0" before anyone clicks.
 */
import type { Db } from '../db/client';
import { getRuntime } from '../runtime/registry';
import { instanceWeights, totalTraffic } from '../runtime/types';
import { readState } from '../state/deployment-state';
import { currentCursor } from '../events/read';
import { listServices } from './service-reads';
import { listEnvironmentRows } from './environments';
import { budgetsOf } from './error-budget';
import { chooseFromHistory } from './rollback';

const TRAFFIC_WINDOW_MS = 60_000;
/** History rows read per cell for its rollback target; a cell needing more reads all of its own. */
const HISTORY_PER_CELL = 20;

type HistoryRow = { serviceId: string; environmentId: string; versionId: string; from: Date; until: Date | null };

/**
 * The newest history rows of each (service, environment) cell, newest first: what the rollback
 * choice needs in all but the rarest cases (twenty bad or current versions in a row).
 */
async function recentHistory(db: Db, cells: Array<{ serviceId: string; environmentId: string }>, limit: number | null): Promise<Map<string, HistoryRow[]>> {
  const out = new Map<string, HistoryRow[]>();
  if (cells.length === 0) return out;
  const rows = await db.$queryRaw<Array<{ service_id: string; environment_id: string; version_id: string; from: Date; until: Date | null }>>`
    SELECT c."serviceId" AS service_id, c."environmentId" AS environment_id, h.version_id, h."from", h.until
    FROM jsonb_to_recordset(${JSON.stringify(cells)}::jsonb) AS c("serviceId" uuid, "environmentId" uuid)
    CROSS JOIN LATERAL (
      SELECT version_id, "from", until FROM release_history
      WHERE service_id = c."serviceId" AND environment_id = c."environmentId"
      ORDER BY "from" DESC LIMIT ${limit ?? 2_147_483_647}) h`;
  for (const r of rows) {
    const key = `${r.service_id}/${r.environment_id}`;
    const list = out.get(key) ?? [];
    list.push({ serviceId: r.service_id, environmentId: r.environment_id, versionId: r.version_id, from: r.from, until: r.until });
    out.set(key, list);
  }
  return out;
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
  const cursor = await currentCursor(db);
  const envs = await listEnvironmentRows(db);
  const services = await listServices(db);
  const live = (s: (typeof services)[number], env: (typeof envs)[number]) => s.environments.find((e) => e.name === env.name)?.liveVersion ?? null;
  const active = await db.deployment.findMany({
    where: { activeFor: { not: null } },
    include: { toVersion: { select: { semver: true } }, fromVersion: { select: { semver: true } } },
  });
  const activeOf = new Map(active.map((d) => [`${d.serviceId}/${d.environmentId}`, d]));
  // Only cells with a live version and nothing in flight need the history for their rollback target.
  const needHistory = services.flatMap((s) =>
    envs.filter((e) => live(s, e) && !activeOf.has(`${s.id}/${e.id}`)).map((e) => ({ serviceId: s.id, environmentId: e.id })),
  );
  const [budgets, history] = await Promise.all([
    budgetsOf(db, services.map((s) => ({ id: s.id, sloAvailability: s.slo.availability, budgetFreeze: s.budgetFreeze })), envs.map((e) => e.id), now).catch(() => null),
    recentHistory(db, needHistory, HISTORY_PER_CELL),
  ]);
  const versionIds = [...new Set([...history.values()].flat().map((h) => h.versionId))];
  const versions = versionIds.length ? await db.version.findMany({ where: { id: { in: versionIds } }, select: { id: true, serviceId: true, semver: true, bad: true } }) : [];
  const versionsOf = new Map<string, typeof versions>();
  for (const v of versions) {
    if (!versionsOf.has(v.serviceId)) versionsOf.set(v.serviceId, []);
    versionsOf.get(v.serviceId)!.push(v);
  }
  const rollbackChoice = async (s: (typeof services)[number], env: (typeof envs)[number], liveVersion: string) => {
    const key = `${s.id}/${env.id}`;
    // Oldest first, as the history reads (equal start times keep that order).
    const choose = (newestFirst: HistoryRow[], own: typeof versions) =>
      chooseFromHistory({ history: [...newestFirst].reverse(), versions: own, currentVersionId: own.find((v) => v.semver === liveVersion)?.id ?? null, service: s.name });
    const rows = history.get(key) ?? [];
    try {
      return choose(rows, versionsOf.get(s.id) ?? []);
    } catch (e) {
      if (rows.length < HISTORY_PER_CELL) throw e;
      // Every recent version is bad or current: look further back, in this cell's whole history.
      const all = (await recentHistory(db, [{ serviceId: s.id, environmentId: env.id }], null)).get(key) ?? [];
      const own = await db.version.findMany({ where: { serviceId: s.id }, select: { id: true, serviceId: true, semver: true, bad: true } });
      return choose(all, own);
    }
  };
  const cell = async (s: (typeof services)[number], env: (typeof envs)[number]): Promise<OverviewCell> => {
    const runtime = getRuntime(env);
    const here = s.environments.find((e) => e.name === env.name);
    const liveVersion = here?.liveVersion ?? null;
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
      liveSince: here?.liveSince ?? null,
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
      dependencies: s.dependencies,
      cells: await Promise.all(envs.map((e) => cell(s, e))),
    })),
  );
  return { environments: envs.map((e) => ({ name: e.name, order: e.order, protected: e.protected })), services: out, at: new Date(now).toISOString(), cursor };
}
