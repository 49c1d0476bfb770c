/**
 * Insights: the four DORA figures — deployment frequency, lead time, change failure rate, time
 * to restore — per service and overall, with a trend each, computed from the stored
 * deployment history of one environment (the arithmetic is lib/engine/dora.ts).
 *
 * Which environment: the one named, else the LAST by order — the one closest to users
 * ("production" in the demo) — because that is where delivery performance is measured.
 */
import { z } from 'zod';
import type { Db } from '../db/client';
import { classifyChanges, doraFigures, type DoraFigures } from '../engine/dora';
import { findEnvironmentOr404, listEnvironmentRows } from './environments';
import { findServiceOr404 } from './lookup';
import { parseInput } from './validate';
import { AppError } from '../errors/app-error';

const DAY = 86_400_000;

export const insightsQuerySchema = z
  .object({
    service: z.string().min(1).max(100).optional(),
    environment: z.string().min(1).max(100).optional(),
    days: z
      .enum(['7', '30', '90'], { message: 'days must be 7, 30 or 90' })
      .default('30')
      .transform((d) => Number(d) as 7 | 30 | 90),
  })
  .strict();

export type InsightsFigures = Omit<DoraFigures, 'trend'> & {
  trend: Array<{ start: string; deployments: number; leadTimeSeconds: number | null; failureRate: number | null; restoreSeconds: number | null }>;
};

export interface Insights {
  environment: string;
  days: 7 | 30 | 90;
  service: string | null;
  from: string;
  to: string;
  bucket: 'day' | 'week';
  overall: InsightsFigures;
  services: Array<{ service: string } & InsightsFigures>;
}

function present(f: DoraFigures): InsightsFigures {
  return { ...f, trend: f.trend.map((t) => ({ ...t, start: new Date(t.start).toISOString() })) };
}

export async function getInsights(db: Db, query: unknown, now = Date.now()): Promise<Insights> {
  const q = parseInput(insightsQuerySchema, query ?? {});
  const envs = await listEnvironmentRows(db);
  const env = q.environment ? await findEnvironmentOr404(db, q.environment) : envs.at(-1);
  if (!env) throw new AppError('conflict', 'no environment exists: create one first (POST /api/v1/environments)');
  const only = q.service ? await findServiceOr404(db, q.service) : null;
  const bucketMs = q.days === 90 ? 7 * DAY : DAY;
  // Whole days in UTC, ending with today: the trend's buckets line up with calendar days.
  const to = Math.ceil(now / DAY) * DAY;
  const from = to - q.days * DAY;
  // A change just before the window may be rolled back inside it: read a week more of history.
  const rows = await db.deployment.findMany({
    where: { environmentId: env.id, createdAt: { gte: new Date(from - 7 * DAY), lt: new Date(to) }, ...(only ? { serviceId: only.id } : {}) },
    select: {
      id: true,
      kind: true,
      state: true,
      fromVersionId: true,
      toVersionId: true,
      createdAt: true,
      startedAt: true,
      finishedAt: true,
      service: { select: { name: true } },
      toVersion: { select: { createdAt: true } },
    },
  });
  const changes = classifyChanges(
    rows.map((d) => ({
      id: d.id,
      service: d.service.name,
      kind: d.kind,
      state: d.state,
      fromVersionId: d.fromVersionId,
      toVersionId: d.toVersionId,
      versionRegisteredAt: d.toVersion.createdAt.getTime(),
      createdAt: d.createdAt.getTime(),
      startedAt: d.startedAt?.getTime() ?? null,
      finishedAt: d.finishedAt?.getTime() ?? null,
    })),
  );
  const window = { from, to, bucketMs };
  const names = only ? [only.name] : (await db.service.findMany({ select: { name: true }, orderBy: { name: 'asc' } })).map((s) => s.name);
  return {
    environment: env.name,
    days: q.days,
    service: only?.name ?? null,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    bucket: bucketMs === DAY ? 'day' : 'week',
    overall: present(doraFigures(changes, window)),
    services: names.map((service) => ({ service, ...present(doraFigures(changes.filter((c) => c.service === service), window)) })),
  };
}
