/**
 * The demo's past: about three months of history before the live demo starts, so the Insights
 * page has trends to show. For each demo service, older versions were registered, deployed to
 * staging, and promoted to production; some canaries failed in staging, some production
 * releases were rolled back, and — as a team improving would — deployments grow more frequent
 * and failures rarer and shorter over the months. Rows are written as the use cases would have
 * written them (plans from the engine, gapless events, release history), backdated; every
 * stint of release history is closed before the live demo's own deployments begin, so those
 * start from nothing as before. Deterministic: the same "random" history on every fresh start.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../lib/db/client';
import { planDeployment, resolveDeploymentParams, type StrategyName } from '../lib/engine';

const H = 3_600_000;
const D = 24 * H;
const PAST_DAYS = 88;
const ACTORS = ['token:github-actions', 'alice@example.com', 'bob@example.com'];

/** A small deterministic generator (mulberry32): the demo's history is the same every time. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Semvers older than `first` (the oldest live-demo version): x.y.0, x.y.1, … one minor or major below. */
function olderVersions(first: string, n: number): string[] {
  const [major, minor] = first.split('.').map(Number) as [number, number];
  const base = minor > 0 ? `${major}.${minor - 1}` : `${major - 1}.9`;
  return Array.from({ length: n }, (_, i) => `${base}.${i}`);
}

type Row = { id: string; createdAt: Date; startedAt: Date; finishedAt: Date; kind: 'deploy' | 'rollback'; state: 'succeeded' | 'failed' | 'aborted'; strategy: StrategyName; env: string; from: string | null; to: string; actor: string; reason: string | null };

export async function seedPast(db: Db, now: number): Promise<void> {
  const envs = new Map((await db.environment.findMany()).map((e) => [e.name, e.id]));
  const services = await db.service.findMany({ include: { versions: { orderBy: { createdAt: 'asc' } } }, orderBy: { name: 'asc' } });
  const start = now - PAST_DAYS * D;
  const end = now - 3 * H;
  const versions: Array<{ id: string; serviceId: string; semver: string; config: object; notes: string; bad: boolean; badReason: string | null; markedBadAt: Date | null; createdBy: string; createdAt: Date }> = [];
  const deployments: Array<Record<string, unknown>> = [];
  const history: Array<{ serviceId: string; environmentId: string; versionId: string; deploymentId: string; from: Date; until: Date | null }> = [];
  const events: Array<{ deploymentId: string; seq: number; type: string; message: string; actor: string; at: Date }> = [];

  for (const [si, s] of services.entries()) {
    const rnd = random(1000 + si * 7919);
    const first = s.versions[0];
    if (!first) continue;
    const baseConfig = Object.fromEntries(Object.entries((first.config ?? {}) as Record<string, string>).filter(([k]) => !k.startsWith('DEMO_ERROR')));
    const times: number[] = [];
    for (let t = start + rnd() * 3 * D; t < end - 2 * D; ) {
      times.push(t);
      const progress = (t - start) / (end - start);
      t += (7 - 5.5 * progress) * D * (0.6 + 0.8 * rnd());
    }
    const semvers = olderVersions(first.semver, times.length);
    const live = new Map<string, { versionId: string; semver: string; stint: number } | null>();
    const lastGood = new Map<string, { versionId: string; semver: string } | null>();
    const record = (r: Row, versionId: string, fromId: string | null) => {
      const params = resolveDeploymentParams({ strategy: r.strategy, service: s, kind: r.kind }).params;
      const plan = planDeployment({ strategy: r.strategy, params: params as never, replicas: s.replicas, hasOld: r.from !== null, hooks: { pre: [], post: [] }, kind: r.kind });
      const firstAnalysis = plan.steps.findIndex((st) => st.kind === 'analysis');
      deployments.push({
        id: r.id,
        serviceId: s.id,
        environmentId: envs.get(r.env)!,
        kind: r.kind,
        state: r.state,
        phase: r.state,
        strategy: r.strategy,
        params: JSON.parse(JSON.stringify(plan.params)),
        plan: JSON.parse(JSON.stringify(plan)),
        cursor: r.state === 'succeeded' ? plan.steps.length : Math.max(0, firstAnalysis),
        fromVersionId: fromId,
        toVersionId: versionId,
        actor: r.actor,
        reason: r.reason,
        createdAt: r.createdAt,
        startedAt: r.startedAt,
        finishedAt: r.finishedAt,
        updatedAt: r.finishedAt,
      });
      const where = `${s.name} in ${r.env}`;
      const verb = r.kind === 'rollback' ? 'Rollback' : 'Deployment';
      const list = [
        { type: 'deployment_queued', message: `${verb} of ${where} to v${r.to} queued by ${r.actor} (${r.strategy})`, at: r.createdAt },
        { type: 'deployment_started', message: `${verb} of ${where}: ${r.from ? `v${r.from}` : 'nothing'} → v${r.to} started`, at: r.startedAt },
        r.state === 'succeeded'
          ? { type: 'deployment_completed', message: `v${r.to} serves all traffic in ${r.env}`, at: r.finishedAt }
          : { type: r.state === 'failed' ? 'deployment_failed' : 'deployment_aborted', message: `${r.reason}; traffic went back to ${r.from ? `v${r.from}` : 'nothing'}`, at: r.finishedAt },
      ];
      list.forEach((e, i) => events.push({ deploymentId: r.id, seq: i + 1, actor: r.actor, ...e }));
      deployments.at(-1)!.lastSeq = list.length;
    };
    const goLive = (env: string, v: { versionId: string; semver: string }, deploymentId: string, at: Date) => {
      const cur = live.get(env);
      if (cur) history[cur.stint]!.until = at;
      history.push({ serviceId: s.id, environmentId: envs.get(env)!, versionId: v.versionId, deploymentId, from: at, until: null });
      live.set(env, { ...v, stint: history.length - 1 });
    };

    times.forEach((registered, i) => {
      const progress = (registered - start) / (end - start);
      const v = { id: randomUUID(), semver: semvers[i]! };
      const version = { id: v.id, serviceId: s.id, semver: v.semver, config: baseConfig, notes: i % 3 === 0 ? 'routine release' : '', bad: false, badReason: null as string | null, markedBadAt: null as Date | null, createdBy: ACTORS[0]!, createdAt: new Date(registered) };
      versions.push(version);
      const actor = ACTORS[Math.floor(rnd() * ACTORS.length)]!;
      const strategy = s.defaultStrategy as StrategyName;
      let t = registered + (0.5 + rnd() * 5) * H;
      for (const env of ['staging', 'production']) {
        if (!envs.has(env) || t > end) return;
        const before = live.get(env) ?? null;
        const took = (3 + rnd() * 12) * 60_000;
        const failCanary = env === 'staging' && rnd() < 0.3 - 0.22 * progress;
        const abort = env === 'production' && !failCanary && rnd() < 0.04;
        const row: Row = {
          id: randomUUID(),
          createdAt: new Date(t - 30_000),
          startedAt: new Date(t),
          finishedAt: new Date(t + took),
          kind: 'deploy',
          state: failCanary ? 'failed' : abort ? 'aborted' : 'succeeded',
          strategy,
          env,
          from: before?.semver ?? null,
          to: v.semver,
          actor,
          reason: failCanary ? `analysis failed: error rate ${(2 + rnd() * 4).toFixed(1)}% against ${(rnd() * 0.5).toFixed(1)}% on the baseline` : abort ? `aborted by ${actor}: wrong config spotted during the rollout` : null,
        };
        record(row, v.id, before?.versionId ?? null);
        if (failCanary) {
          Object.assign(version, { bad: true, badReason: row.reason, markedBadAt: row.finishedAt });
          return;
        }
        if (abort) return;
        goLive(env, { versionId: v.id, semver: v.semver }, row.id, row.finishedAt);
        const previous = lastGood.get(env) ?? null;
        if (env === 'production' && previous && rnd() < 0.22 - 0.16 * progress) {
          // Noticed in production and rolled back: the time to restore shrinks as the team improves.
          const noticed = row.finishedAt.getTime() + (4 - 3.4 * progress) * H * (0.4 + rnd());
          const back: Row = { id: randomUUID(), createdAt: new Date(noticed), startedAt: new Date(noticed + 5_000), finishedAt: new Date(noticed + (2 + rnd() * 4) * 60_000), kind: 'rollback', state: 'succeeded', strategy: 'blue-green', env, from: v.semver, to: previous.semver, actor: ACTORS[1 + Math.floor(rnd() * 2)]!, reason: `rollback from v${v.semver} by on-call` };
          if (back.finishedAt.getTime() < end) {
            record(back, previous.versionId, v.id);
            Object.assign(version, { bad: true, badReason: `rolled back to v${previous.semver} by ${back.actor}`, markedBadAt: back.createdAt });
            goLive(env, previous, back.id, back.finishedAt);
            return;
          }
        }
        lastGood.set(env, { versionId: v.id, semver: v.semver });
        t = row.finishedAt.getTime() + (2 + rnd() * 20) * H;
      }
    });
    // The imported history ends where the live demo begins: nothing is live until it deploys.
    for (const cur of live.values()) if (cur) history[cur.stint]!.until = new Date(now);
  }

  await db.$transaction(
    async (tx) => {
      await tx.version.createMany({ data: versions });
      await tx.deployment.createMany({ data: deployments as never });
      await tx.releaseHistory.createMany({ data: history });
      const rows = await tx.$queryRaw<Array<{ value: bigint }>>`UPDATE event_cursor SET value = value + ${events.length} RETURNING value`;
      const firstCursor = Number(rows[0]!.value) - events.length + 1;
      await tx.event.createMany({ data: events.map((e, i) => ({ ...e, cursor: BigInt(firstCursor + i), data: {} })) });
    },
    { timeout: 60_000 },
  );
}
