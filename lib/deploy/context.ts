/**
 * What a step executor gets (one context object) and what it gives back (an outcome). An
 * executor observes the runtime, acts idempotently, and describes the change; it never writes
 * to the database itself — the loop commits the outcome in one fenced transaction, then runs
 * its side effects.
 */
import type { Db } from '../db/client';
import type { NewEvent, Tx } from '../events/append';
import { resolveHealthPolicy, type HealthPolicy, type Hook, type Hooks, type Role, type Step } from '../engine';
import type { Fence, Runtime, Workload } from '../runtime/types';
import { buildWorkload } from '../runtime/workload';
import { readState, type Control, type Progress } from '../state/deployment-state';
import type { LeaseHandle } from '../state/leases';
import type { Plan } from '../engine';
import type { ProbeTracker } from './probes';

export interface VersionRow {
  id: string;
  semver: string;
  artifact: unknown;
  config: unknown;
}

/** A deployment as the orchestrator works with it: the row, its documents parsed, its service's settings. */
export interface LoadedDeployment {
  id: string;
  serviceId: string;
  kind: 'deploy' | 'rollback';
  state: 'awaiting_approval' | 'queued' | 'running' | 'paused' | 'succeeded' | 'failed' | 'aborted';
  /** The environment it deploys to, with that environment's runtime settings. */
  environment: { id: string; name: string; runtime: unknown };
  phase: string;
  cursor: number;
  /** epoch ms when a worker began it (null while queued). */
  startedAt: number | null;
  service: { id: string; name: string; template: Template; health: HealthPolicy; hooks: Required<Hooks>; analysis: unknown; placement: NonNullable<Workload['placement']> };
  toVersion: VersionRow;
  fromVersion: VersionRow | null;
  plan: Plan;
  progress: Progress;
  control: Control;
  /** The service's open warm rollback windows in this environment (normally at most one). */
  warmWindows: Array<{ id: string; deploymentId: string; version: VersionRow; slots: number[] }>;
}

interface Template {
  command?: string;
  args?: string[];
  cwd?: string;
  port?: number;
  env?: Record<string, string>;
}

function objectOr<T extends object>(raw: unknown, fallback: T): T {
  return raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as T) : fallback;
}

function hooksOf(raw: unknown): Required<Hooks> {
  const h = objectOr<Partial<Record<keyof Hooks, Hook[]>>>(raw, {});
  const list = (x: Hook[] | undefined) => (Array.isArray(x) ? x : []);
  return { pre: list(h.pre), post: list(h.post), preRollback: list(h.preRollback), postRollback: list(h.postRollback) };
}

export async function loadDeployment(db: Db, id: string): Promise<LoadedDeployment | null> {
  const d = await db.deployment.findUnique({ where: { id }, include: { service: true, environment: true, toVersion: true, fromVersion: true } });
  if (!d) return null;
  return {
    id: d.id,
    serviceId: d.serviceId,
    kind: d.kind,
    state: d.state,
    environment: { id: d.environment.id, name: d.environment.name, runtime: d.environment.runtime },
    phase: d.phase,
    cursor: d.cursor,
    startedAt: d.startedAt?.getTime() ?? null,
    service: {
      id: d.service.id,
      name: d.service.name,
      template: objectOr<Template>(d.service.template, {}),
      health: resolveHealthPolicy(d.service.health),
      hooks: hooksOf(d.service.hooks),
      analysis: d.service.analysis,
      placement: objectOr<NonNullable<Workload['placement']>>(d.service.placement, {}),
    },
    toVersion: d.toVersion,
    fromVersion: d.fromVersion,
    ...readState(d),
    warmWindows: await db.warmWindow.findMany({
      where: { serviceId: d.serviceId, environmentId: d.environmentId, closedAt: null },
      select: { id: true, deploymentId: true, version: true, slots: true },
      orderBy: { openedAt: 'asc' },
    }),
  };
}

/** The version a role means in this deployment: 'new' is the target, 'old' the one it replaces. */
export function versionOf(d: LoadedDeployment, role: Role): VersionRow | null {
  return role === 'new' ? d.toVersion : d.fromVersion;
}

/** What the runtime runs for a role's version: the service's template, the version's artifact and config. */
export function workloadOf(d: LoadedDeployment, role: Role): Workload {
  const version = versionOf(d, role);
  if (!version) throw new Error(`deployment ${d.id} has no ${role} version`);
  return workloadOfVersion(d, version);
}

/** What the runtime runs for any version of the deployment's service (a warm one, say). */
export function workloadOfVersion(d: LoadedDeployment, version: VersionRow): Workload {
  return buildWorkload({ service: d.service, version, environment: d.environment.name, deploymentId: d.id });
}

export interface StepContext {
  d: LoadedDeployment;
  /** 'forward' runs the plan; 'revert' runs the steps that put the previous version back. */
  direction: 'forward' | 'revert';
  /** Position of this step in its list (the plan's steps, or the revert's). */
  index: number;
  /** This step in words: the deployment's phase while it runs. */
  phase: string;
  now: number;
  lease: LeaseHandle;
  fence: Fence;
  runtime: Runtime;
  probes: ProbeTracker;
  drainTimeoutMs: number;
  /** Time between two canary evaluations when the analysis config does not say. */
  analysisIntervalMs: number;
}

export type TxWork = (tx: Tx) => Promise<void>;

/** What a step changes besides moving its cursor: its phase is set by the loop. */
export interface Recorded {
  events: NewEvent[];
  /** Keys of the progress document to replace. */
  progress?: Partial<Progress>;
  /** Who caused it (default: Flightdeck itself). */
  actor?: string;
  /** More writes in the same transaction (analysis measurements, consuming a promote, notifications). */
  extra?: TxWork;
  /** Side effects once committed: never before, never inside the transaction. */
  after?: () => void;
}

export type Outcome =
  /** The step is done: move the cursor on. */
  | ({ kind: 'advance' } & Recorded)
  /** Progress to record without moving the cursor; run the step again at once, or after `waitMs`. */
  | ({ kind: 'record'; waitMs?: number } & Recorded)
  /** Nothing changed: look again in `ms`. */
  | { kind: 'wait'; ms: number }
  /** The step failed: put the previous version back (forward), or keep trying and say why (revert). */
  | ({ kind: 'fail'; reason: string; markBad: boolean } & Recorded)
  /** Wait for a person (inconclusive analysis). */
  | ({ kind: 'pause'; phase: string } & Recorded);

export type Executor<S extends Step = Step> = (step: S, ctx: StepContext) => Promise<Outcome>;
