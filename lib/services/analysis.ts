/**
 * The analysis of a canary deployment as the panel charts it: every stored measurement as a
 * series per metric, samples against the minimum, time left in the window, and the running
 * verdict with its reason. Shape documented in app/api/v1/deployments/[id]/analysis/route.ts.
 */
import type { Db } from '../db/client';
import { AppError } from '../errors/app-error';
import { isUuid } from './validate';
import type { Step } from '../engine';
import { analysisConfigOf, readState } from '../state/deployment-state';

export async function getAnalysis(db: Db, id: string, now: number) {
  if (!isUuid(id)) throw new AppError('not_found', `deployment ${id} not found`, { id });
  const d = await db.deployment.findUnique({ where: { id }, include: { service: { select: { name: true, analysis: true } }, toVersion: true, fromVersion: true } });
  if (!d) throw new AppError('not_found', `deployment ${id} not found`, { id });
  const { plan, progress } = readState(d);
  const analysisSteps = plan.steps
    .map((s, cursor) => ({ s, cursor }))
    .filter((x): x is { s: Extract<Step, { kind: 'analysis' }>; cursor: number } => x.s.kind === 'analysis');
  const rows = await db.analysisMeasurement.findMany({ where: { deploymentId: id }, orderBy: { id: 'asc' } });
  const config = analysisSteps.length ? analysisConfigOf(plan, d.service.analysis) : null;
  const last = progress.analysis;
  const steps = analysisSteps.map(({ s, cursor }) => {
    const mine = rows.filter((r) => r.cursor === cursor);
    const startedAt = progress.stepStartedAt?.[String(cursor)] ?? null;
    const latest = mine.at(-1);
    const active = d.cursor === cursor && (d.state === 'running' || d.state === 'paused') && !progress.revert;
    // The cursor moves past an analysis step only when it passed (or a person promoted it).
    const state = d.cursor > cursor ? 'passed' : active ? (startedAt === null ? 'pending' : 'running') : startedAt === null ? 'not_started' : 'ended';
    const elapsed = startedAt === null ? 0 : ((active ? now : (latest?.at.getTime() ?? startedAt)) - startedAt) / 1000;
    const series = (config?.metrics ?? []).map((m) => ({
      metric: m.name,
      kind: m.kind,
      provider: m.provider,
      critical: m.critical,
      threshold: m.threshold ?? null,
      maxChange: m.maxChange ?? null,
      direction: m.direction,
      points: mine
        .filter((r) => r.metric === m.name)
        .map((r) => ({
          at: r.at.toISOString(),
          elapsedSeconds: r.elapsedSeconds,
          canary: r.canaryValue,
          baseline: r.baselineValue,
          canaryN: r.canaryN,
          baselineN: r.baselineN,
          pValue: r.pValue,
          status: r.status,
        })),
    }));
    return {
      cursor,
      canaryStep: s.canaryStep,
      weight: s.weight,
      state,
      windowSeconds: s.windowSeconds,
      startedAt: startedAt === null ? null : new Date(startedAt).toISOString(),
      elapsedSeconds: Math.max(0, elapsed),
      remainingSeconds: startedAt === null ? s.windowSeconds : Math.max(0, Math.ceil(s.windowSeconds - elapsed)),
      samples: { canary: latest?.canarySamples ?? 0, baseline: latest?.baselineSamples ?? 0, min: s.minSamples },
      verdict: last?.cursor === cursor ? last.verdict : (latest?.verdict ?? (state === 'passed' ? 'promote' : null)),
      reason: last?.cursor === cursor ? last.reason : (latest?.reason ?? null),
      series,
    };
  });
  const current = steps.find((s) => s.cursor === last?.cursor) ?? steps.find((s) => s.state === 'running') ?? null;
  return {
    deploymentId: d.id,
    service: d.service.name,
    state: d.state,
    canary: { version: d.toVersion.semver, versionId: d.toVersionId },
    baseline: d.fromVersion ? { version: d.fromVersion.semver, versionId: d.fromVersion.id } : null,
    config,
    verdict: current ? { cursor: current.cursor, verdict: current.verdict, reason: current.reason } : null,
    steps,
  };
}
