/**
 * "What changed": every change across services in time order — deployments and rollbacks
 * (with their outcome), versions registered (new config), services registered and their settings
 * changed (from the audit log's successful `service.update` rows) — with the
 * service's traffic in the five minutes before and after each change, for incident response.
 * The traffic comes from the runtime's sliding window (15 minutes for the local runtime), so
 * older changes show no figures rather than invented ones.
 */
import { z } from 'zod';
import type { Db } from '../db/client';
import { getRuntime } from '../runtime/registry';
import { totalTraffic } from '../runtime/types';
import { parseInput } from './validate';
import { versionChange, type VersionChange } from '../engine';
import { factsOf } from './rollback-decision';

export const AROUND_MS = 5 * 60_000;

export type ChangeKind = 'deploy' | 'rollback' | 'version' | 'service' | 'config';

export interface TrafficAround {
  requests: number;
  errors: number;
  errorRate: number | null;
}

export interface Change {
  id: string;
  kind: ChangeKind;
  at: string;
  service: string;
  /** The environment of a deployment or rollback; null for changes that are not one. */
  environment: string | null;
  actor: string;
  summary: string;
  deploymentId: string | null;
  state: string | null;
  strategy: string | null;
  from: string | null;
  to: string | null;
  reason: string | null;
  before: TrafficAround | null;
  after: TrafficAround | null;
  /** A deployment or rollback: what it brings in or undoes (versions, commits, config keys). */
  diff: VersionChange | null;
}

/** What a change that is not a deployment leaves empty. */
const NOT_A_DEPLOYMENT = { environment: null, deploymentId: null, state: null, strategy: null, from: null, to: null, reason: null, before: null, after: null, diff: null } as const;

const querySchema = z
  .object({
    service: z.string().min(1).max(100).optional(),
    environment: z.string().min(1).max(100).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

export async function listChanges(db: Db, query: unknown, now = Date.now()): Promise<Change[]> {
  const q = parseInput(querySchema, query ?? {});
  const where = q.service ? { service: { name: q.service } } : {};
  const [deployments, versions, services, updates] = await Promise.all([
    db.deployment.findMany({
      where: { ...where, ...(q.environment ? { environment: { name: q.environment } } : {}) },
      orderBy: { createdAt: 'desc' },
      take: q.limit,
      include: {
        service: { select: { name: true, compareUrlTemplate: true } },
        environment: { select: { name: true, runtime: true } },
        toVersion: true,
        fromVersion: true,
      },
    }),
    db.version.findMany({ where, orderBy: { createdAt: 'desc' }, take: q.limit, include: { service: { select: { name: true } } } }),
    db.service.findMany({ where: q.service ? { name: q.service } : {}, orderBy: { createdAt: 'desc' }, take: q.limit }),
    db.auditEntry.findMany({
      where: { action: 'service.update', outcome: 'ok', ...(q.service ? { target: `service:${q.service}` } : { target: { startsWith: 'service:' } }) },
      orderBy: { id: 'desc' },
      take: q.limit,
    }),
  ]);
  const changes: Change[] = [
    ...deployments.map((d): Change => {
      const verb = d.kind === 'rollback' ? 'Rollback' : `${d.strategy} deploy`;
      const arrow = `${d.fromVersion ? `v${d.fromVersion.semver}` : 'nothing'} → v${d.toVersion.semver}`;
      return {
        id: `deployment:${d.id}`,
        kind: d.kind === 'rollback' ? 'rollback' : 'deploy',
        at: d.createdAt.toISOString(),
        service: d.service.name,
        environment: d.environment.name,
        actor: d.actor,
        summary: `${verb} ${arrow} in ${d.environment.name}: ${d.state}`,
        deploymentId: d.id,
        state: d.state,
        strategy: d.strategy,
        from: d.fromVersion?.semver ?? null,
        to: d.toVersion.semver,
        reason: d.reason,
        before: null,
        after: null,
        diff: versionChange({
          from: d.fromVersion ? factsOf(d.fromVersion) : null,
          to: factsOf(d.toVersion),
          // A rollback undoes the version it leaves; a deploy brings its own in.
          versions: d.kind === 'rollback' ? (d.fromVersion ? [factsOf(d.fromVersion)] : []) : [factsOf(d.toVersion)],
          compareUrlTemplate: d.service.compareUrlTemplate,
          direction: d.kind === 'rollback' ? 'back' : 'forward',
        }),
      };
    }),
    ...versions.map((v): Change => {
      const keys = Object.keys((v.config ?? {}) as Record<string, unknown>);
      return {
        id: `version:${v.id}`,
        kind: 'version',
        at: v.createdAt.toISOString(),
        service: v.service.name,
        actor: v.createdBy,
        summary: `Version v${v.semver} registered${keys.length ? ` (config: ${keys.join(', ')})` : ''}`,
        ...NOT_A_DEPLOYMENT,
        state: v.bad ? 'bad' : null,
        to: v.semver,
        reason: v.badReason,
      };
    }),
    ...services.map((s): Change => ({
      id: `service:${s.id}`,
      kind: 'service',
      at: s.createdAt.toISOString(),
      service: s.name,
      actor: s.createdBy,
      summary: `Service ${s.name} registered (${s.replicas} replica${s.replicas === 1 ? '' : 's'})`,
      ...NOT_A_DEPLOYMENT,
    })),
    ...updates.map((u): Change => {
      const service = u.target.slice('service:'.length);
      return {
        id: `config:${u.id}`,
        kind: 'config',
        at: u.at.toISOString(),
        service,
        actor: u.actor,
        summary: `Settings of ${service} changed`,
        ...NOT_A_DEPLOYMENT,
      };
    }),
  ];
  changes.sort((a, b) => b.at.localeCompare(a.at) || a.id.localeCompare(b.id));
  const out = changes.slice(0, q.limit);
  await attachTraffic(out, now);
  return out;
}

async function attachTraffic(changes: Change[], now: number): Promise<void> {
  const total = async (c: Change, from: number, to: number): Promise<TrafficAround | null> => {
    const runtime = c.environment ? getRuntime({ name: c.environment }) : null;
    if (!runtime || to <= from) return null;
    const byVersion = await runtime.traffic(c.service, from, to).catch(() => null);
    if (!byVersion) return null;
    const { requests, errors } = totalTraffic(byVersion);
    return { requests, errors, errorRate: requests > 0 ? errors / requests : null };
  };
  await Promise.all(
    changes
      .filter((c) => c.kind === 'deploy' || c.kind === 'rollback')
      .filter((c) => now - Date.parse(c.at) < 15 * 60_000 - AROUND_MS)
      .map(async (c) => {
        const at = Date.parse(c.at);
        c.before = await total(c, at - AROUND_MS, at);
        c.after = await total(c, at, Math.min(now, at + AROUND_MS));
      }),
  );
}
