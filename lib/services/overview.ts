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
import { budgetOf } from './error-budget';
import { chooseFromHistory } from './rollback';

const TRAFFIC_WINDOW_MS = 60_000;

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
  const ids = services.map((s) => s.id);
  const [active, history, versions] = await Promise.all([
    db.deployment.findMany({
      where: { activeFor: { not: null } },
      include: { toVersion: { select: { semver: true } }, fromVersion: { select: { semver: true } } },
    }),
    db.releaseHistory.findMany({ where: { serviceId: { in: ids } }, orderBy: { from: 'asc' } }),
    db.version.findMany({ where: { serviceId: { in: ids } }, select: { id: true, serviceId: true, semver: true, bad: true } }),
  ]);
  const cell = async (s: (typeof services)[number], env: (typeof envs)[number]): Promise<OverviewCell> => {
    const runtime = getRuntime(env);
    const live = s.environments.find((e) => e.name === env.name);
    const liveVersion = live?.liveVersion ?? null;
    const a = active.find((d) => d.serviceId === s.id && d.environmentId === env.id);
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
      const own = versions.filter((v) => v.serviceId === s.id);
      const current = own.find((v) => v.semver === liveVersion);
      try {
        const choice = chooseFromHistory({
          history: history.filter((h) => h.serviceId === s.id && h.environmentId === env.id),
          versions: own,
          currentVersionId: current?.id ?? null,
          service: s.name,
        });
        rollbackTarget = choice.target.semver;
      } catch (e) {
        rollbackNote = (e as Error).message;
      }
    }
    const plan = a ? readState(a).plan : undefined;
    const b = await budgetOf(db, { id: s.id, sloAvailability: s.slo.availability, budgetFreeze: s.budgetFreeze }, env.id, now).catch(() => null);
    return {
      environment: env.name,
      liveVersion,
      liveSince: live?.liveSince ?? null,
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
