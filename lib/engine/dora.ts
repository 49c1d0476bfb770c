/**
 * The four DORA figures from stored deployment history. Pure: deployments and the window come
 * in, figures go out; nothing here reads a clock or a database.
 *
 * What counts (one environment at a time, the caller picks it):
 *  - a CHANGE is a deployment of kind `deploy` that started and ended (succeeded, failed or
 *    aborted) inside the window; one withdrawn, rejected or expired before it started changed
 *    nothing and is not counted;
 *  - deployment frequency: successful changes per day;
 *  - lead time: from the version's registration to the end of its successful deployment
 *    (version registered → live), median;
 *  - change failure rate: failed changes / changes, where a change failed when it ended failed
 *    or aborted, or succeeded and was then rolled back (a later rollback of the same service
 *    whose starting version is this change's version, before another change of the service
 *    succeeded);
 *  - time to restore: for each failed change, from when the bad version started taking traffic
 *    (the change's start; for a rolled-back change, the end of its deployment) until a good
 *    version was live again (the failed change's end, once its traffic went back; or the end of
 *    the successful rollback), median. A failure not yet restored is left out.
 */

export interface DoraDeployment {
  id: string;
  service: string;
  kind: 'deploy' | 'rollback';
  state: string;
  fromVersionId: string | null;
  toVersionId: string;
  /** When the deployed version was registered (ms). */
  versionRegisteredAt: number;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface DoraChange {
  id: string;
  service: string;
  at: number;
  succeeded: boolean;
  failed: boolean;
  leadTimeSeconds: number | null;
  /** When the failure began (ms) and how long until a good version was live; null while unrestored. */
  failedAt: number | null;
  restoreSeconds: number | null;
}

export interface DoraTrendPoint {
  start: number;
  deployments: number;
  leadTimeSeconds: number | null;
  failureRate: number | null;
  restoreSeconds: number | null;
}

export interface DoraFigures {
  deployments: number;
  perDay: number;
  leadTime: { medianSeconds: number | null; count: number };
  changeFailureRate: { rate: number | null; failed: number; changes: number };
  timeToRestore: { medianSeconds: number | null; count: number; unrestored: number };
  trend: DoraTrendPoint[];
}

const ENDED = new Set(['succeeded', 'failed', 'aborted']);

export function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Every change of the given deployments (any services, one environment), with whether it failed and how long restoring took. */
export function classifyChanges(deployments: DoraDeployment[]): DoraChange[] {
  const byService = new Map<string, DoraDeployment[]>();
  for (const d of deployments) byService.set(d.service, [...(byService.get(d.service) ?? []), d]);
  const out: DoraChange[] = [];
  for (const list of byService.values()) {
    const ordered = [...list].sort((a, b) => (a.startedAt ?? a.createdAt) - (b.startedAt ?? b.createdAt));
    ordered.forEach((d, i) => {
      if (d.kind !== 'deploy' || d.startedAt === null || d.finishedAt === null || !ENDED.has(d.state)) return;
      const reverted = d.state === 'failed' || d.state === 'aborted';
      let failed = reverted;
      let failedAt: number | null = reverted ? d.startedAt : null;
      let restoredAt: number | null = reverted ? d.finishedAt : null;
      if (d.state === 'succeeded') {
        for (const later of ordered.slice(i + 1)) {
          if (later.kind === 'deploy' && later.state === 'succeeded') break; // a newer version replaced it first
          if (later.kind === 'rollback' && later.fromVersionId === d.toVersionId && later.startedAt !== null) {
            failed = true;
            failedAt = d.finishedAt;
            restoredAt = later.state === 'succeeded' ? later.finishedAt : null;
            break;
          }
        }
      }
      out.push({
        id: d.id,
        service: d.service,
        at: d.finishedAt,
        succeeded: d.state === 'succeeded',
        failed,
        leadTimeSeconds: d.state === 'succeeded' ? Math.max(0, (d.finishedAt - d.versionRegisteredAt) / 1000) : null,
        failedAt,
        restoreSeconds: failed && failedAt !== null && restoredAt !== null ? Math.max(0, (restoredAt - failedAt) / 1000) : null,
      });
    });
  }
  return out.sort((a, b) => a.at - b.at);
}

/** The four figures over [from, to) and their trend in buckets of `bucketMs`, from already classified changes. */
export function doraFigures(changes: DoraChange[], window: { from: number; to: number; bucketMs: number }): DoraFigures {
  const inside = (t: number, a: number, b: number) => t >= a && t < b;
  const summarise = (a: number, b: number) => {
    const cs = changes.filter((c) => inside(c.at, a, b));
    const ok = cs.filter((c) => c.succeeded);
    const failures = cs.filter((c) => c.failed);
    const restored = failures.map((c) => c.restoreSeconds).filter((x): x is number => x !== null);
    return {
      deployments: ok.length,
      lead: ok.map((c) => c.leadTimeSeconds).filter((x): x is number => x !== null),
      changes: cs.length,
      failed: failures.length,
      restored,
      unrestored: failures.length - restored.length,
    };
  };
  const all = summarise(window.from, window.to);
  const days = Math.max(1, (window.to - window.from) / 86_400_000);
  const trend: DoraTrendPoint[] = [];
  for (let t = window.from; t < window.to; t += window.bucketMs) {
    const s = summarise(t, Math.min(t + window.bucketMs, window.to));
    trend.push({ start: t, deployments: s.deployments, leadTimeSeconds: median(s.lead), failureRate: s.changes ? s.failed / s.changes : null, restoreSeconds: median(s.restored) });
  }
  return {
    deployments: all.deployments,
    perDay: all.deployments / days,
    leadTime: { medianSeconds: median(all.lead), count: all.lead.length },
    changeFailureRate: { rate: all.changes ? all.failed / all.changes : null, failed: all.failed, changes: all.changes },
    timeToRestore: { medianSeconds: median(all.restored), count: all.restored.length, unrestored: all.unrestored },
    trend,
  };
}
