/**
 * What runs for a service right now, as the runtime sees it: each instance with its version,
 * whether it is in the router's rotation (and its weight), restarts, exit reason and its last
 * log lines. Read-only; nothing here touches the database.
 */
import type { Db } from '../db/client';
import { getRuntime } from '../runtime/registry';
import { instanceWeights } from '../runtime/types';
import { findServiceOr404 } from './lookup';
import { resolveEnvironment } from './environments';

/** `warm`: the previous version kept running out of rotation for an instant rollback (its warm window). */
export type InstanceHealth = 'serving' | 'starting' | 'out-of-rotation' | 'warm' | 'exited';

export interface InstanceView {
  id: string;
  version: string;
  versionId: string;
  slot: number;
  state: 'running' | 'exited';
  health: InstanceHealth;
  weight: number;
  startedAt: string;
  restarts: number;
  exitCode: number | null;
  exitReason: string | null;
  /** The platform's word for why it is not ready (CrashLoopBackOff, ImagePullBackOff…). */
  reason: string | null;
  /** Where it runs: the host (fleet) or node (Kubernetes). */
  host: string | null;
  address: string | null;
  logs: string[];
}

export async function listInstances(
  db: Db,
  serviceName: string,
  opts: { logLines?: number; environment?: string | null } = {},
): Promise<{ service: string; environment: string; runtime: string | null; trafficNote: string | null; available: boolean; instances: InstanceView[] }> {
  const service = await findServiceOr404(db, serviceName);
  const env = await resolveEnvironment(db, opts.environment);
  const runtime = getRuntime(env);
  if (!runtime) return { service: service.name, environment: env.name, runtime: null, trafficNote: null, available: false, instances: [] };
  const [list, routes, warmWindows, inFlight] = await Promise.all([
    runtime.list(service.name),
    runtime.getRoutes(service.name),
    db.warmWindow.findMany({ where: { serviceId: service.id, environmentId: env.id, closedAt: null }, select: { versionId: true, slots: true } }),
    db.deployment.findFirst({ where: { serviceId: service.id, environmentId: env.id, activeFor: { not: null } }, select: { toVersionId: true } }),
  ]);
  const weights = instanceWeights(routes, list);
  const warm = new Set(warmWindows.flatMap((w) => w.slots.map((slot) => `${w.versionId}/${slot}`)));
  const lines = Math.max(0, Math.min(opts.logLines ?? 5, 200));
  const instances = await Promise.all(
    list.map(async (i): Promise<InstanceView> => {
      const weight = weights.get(i.id) ?? 0;
      const health: InstanceHealth =
        i.state === 'exited'
          ? 'exited'
          : weight > 0
            ? 'serving'
            : warm.has(`${i.versionId}/${i.slot}`)
              ? 'warm'
              : // Only the version a deployment is bringing in is starting; any other instance outside the table is out of rotation.
                i.versionId === inFlight?.toVersionId && !weights.has(i.id)
                ? 'starting'
                : 'out-of-rotation';
      const logs = lines > 0 && runtime.logs ? await runtime.logs(i.id, lines).catch(() => []) : [];
      return {
        id: i.id,
        version: i.semver,
        versionId: i.versionId,
        slot: i.slot,
        state: i.state,
        health,
        weight,
        startedAt: new Date(i.startedAt).toISOString(),
        restarts: i.restarts ?? 0,
        exitCode: i.exitCode ?? null,
        exitReason: i.exitReason ?? null,
        reason: i.reason ?? null,
        host: i.host ?? null,
        address: i.address ?? null,
        logs,
      };
    }),
  );
  instances.sort((a, b) => a.version.localeCompare(b.version) || a.slot - b.slot);
  return { service: service.name, environment: env.name, runtime: runtime.kind ?? null, trafficNote: runtime.trafficNote?.() ?? null, available: true, instances };
}
