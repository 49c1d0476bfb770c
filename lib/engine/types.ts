/**
 * Types shared by the pure engine and the orchestrator that executes its plans.
 *
 * The engine never touches I/O or reads a clock: every function takes what it needs
 * (including `now`, as epoch milliseconds) and returns data. A plan is a flat list of
 * steps; the orchestrator persists a cursor into it and executes one step at a time,
 * idempotently, so a crash at any point resumes at the same step.
 */

import type { StrategyName } from './constants';
import type { StrategyParams } from './params';
import type { AnalysisConfig } from './analysis-config';

// Defaults, strategy names and parameter types live in leaf modules; they are re-exported
// here for the modules that read every engine type from one place.
export { DEFAULTS, STRATEGIES, type StrategyName } from './constants';
export type { BlueGreenParams, CanaryParams, CanaryStepSpec, IntOrPercent, RecreateParams, RollingParams, StrategyParams } from './params';
export type { HealthPolicy } from './health-policy';

export type DeploymentState = 'awaiting_approval' | 'queued' | 'running' | 'paused' | 'succeeded' | 'failed' | 'aborted';

// ---------------------------------------------------------------- service facts

export type Hook =
  | { name: string; type: 'command'; command: string; args?: string[]; env?: Record<string, string>; timeoutSeconds?: number }
  | { name: string; type: 'http'; url: string; method?: 'GET' | 'POST'; timeoutSeconds?: number };

export interface Hooks {
  pre: Hook[];
  post: Hook[];
  /** Run before a rollback moves anything (a failure never blocks an emergency rollback). */
  preRollback?: Hook[];
  /** Run once a rollback's traffic is back on the good version. */
  postRollback?: Hook[];
}

/**
 * Where a hook step's hook is declared: the deploy hooks and rollback hooks of the service, or
 * the down hook of a migration being undone (listed in the plan or the revert).
 */
export type HookPhase = 'pre' | 'post' | 'pre_rollback' | 'post_rollback' | 'migration_down';

/** A schema migration a version applies; a reversible one may declare the hook that undoes it. */
export interface Migration {
  id: string;
  reversible: boolean;
  down?: Hook;
}

/** A migration's down hook to run during a rollback, newest migration first. */
export interface MigrationDown {
  /** The version that applied it. */
  version: string;
  migration: string;
  hook: Hook;
}

// ---------------------------------------------------------------- plans

/** Which version an instance slot belongs to: the live one ('old') or the target ('new'). */
export type Role = 'old' | 'new';

export interface InstanceRef {
  role: Role;
  /** 0 .. replicas-1 (never ≥ replicas). */
  slot: number;
}

/**
 * What receives traffic after a route step. Always applied as ONE atomic swap.
 *  - 'instances': exactly these slots of each role are in rotation, equal weight per instance
 *    (rolling, recreate);
 *  - 'weights': newWeight % of requests to the new version's ready instances, the rest to the
 *    old version's (canary, blue-green: 0 or 100 only — never both colours for blue-green).
 */
export type RouteSpec =
  | { mode: 'instances'; old: number[]; new: number[] }
  | { mode: 'weights'; newWeight: number };

export type Step =
  /** `blocking: false`: a failure is recorded and alerted, and the deployment goes on. */
  | { kind: 'hook'; phase: HookPhase; index: number; name: string; blocking?: boolean }
  | { kind: 'start'; instances: InstanceRef[] }
  | { kind: 'await_ready'; instances: InstanceRef[] }
  | { kind: 'route'; route: RouteSpec }
  | { kind: 'drain_stop'; instances: InstanceRef[] }
  | {
      kind: 'analysis';
      /** 0-based index of the canary step this analyses. */
      canaryStep: number;
      weight: number;
      windowSeconds: number;
      minSamples: number;
    }
  /** Wait for a human to promote (blue-green preview). */
  | { kind: 'hold'; reason: string }
  /** Wait a fixed time (blue-green scale-down delay). */
  | { kind: 'delay'; seconds: number; reason: string }
  /**
   * The warm rollback window: keep these old instances running out of rotation for `seconds`
   * after the deployment ends (a rollback inside it only moves traffic), stop the other old ones.
   */
  | { kind: 'keep_warm'; instances: InstanceRef[]; seconds: number }
  /**
   * Post-promotion analysis: the new version at 100 % is analysed for a window against the
   * previous version's figures from before the deployment; harm reverts at once (the old
   * instances still run, out of rotation).
   */
  | { kind: 'verify'; windowSeconds: number; minSamples: number };

export interface PlanInput {
  strategy: StrategyName;
  params: StrategyParams;
  replicas: number;
  /** False for a service's first deployment: there is nothing to replace. */
  hasOld: boolean;
  hooks: Hooks;
  /** Rollbacks skip analysis, holds and deploy hooks: they restore a known-good version fast. */
  kind?: 'deploy' | 'rollback';
  /** Keep this many old instances warm for `seconds` after success (a deployment replacing a version). */
  warm?: { slots: number; seconds: number };
  /** Analyse the new version at 100 % for a window before the deployment succeeds. */
  verify?: { windowSeconds: number; minSamples: number };
  /** Rollbacks: slots of the target version already running (warm), which need no start. */
  targetRunning?: number[];
  /** Rollbacks: down hooks of the migrations undone, in the order they run. */
  migrationDowns?: MigrationDown[];
  /** Rollbacks: an emergency rollback (the default) never waits on a failing pre-rollback hook. */
  emergency?: boolean;
}

export interface Plan {
  strategy: StrategyName;
  /** The params after defaults were applied. */
  params: StrategyParams;
  replicas: number;
  steps: Step[];
  /** Rolling: the slot batches, e.g. [[0],[1],[2]]. */
  batches?: number[][];
  /** Canary: the weights in order, ending at 100. */
  weights?: number[];
  /** Canary: the analysis config in force (service default merged with the deployment's override). */
  analysis?: AnalysisConfig;
  /** Rollbacks: the migrations' down hooks the plan's `migration_down` steps run, by index. */
  migrationDowns?: MigrationDown[];
}

// ---------------------------------------------------------------- observation

export interface Probe {
  /** epoch ms */
  at: number;
  ok: boolean;
}

export type InstanceHealth =
  | { status: 'starting'; reason: string }
  | { status: 'ready'; reason: string }
  | { status: 'unhealthy'; reason: string };

export interface HistoryEntry {
  versionId: string;
  semver: string;
  /** epoch ms when this version started serving */
  from: number;
  /** epoch ms when it stopped serving; null while live */
  until: number | null;
}

export interface VersionInfo {
  id: string;
  semver: string;
  bad: boolean;
}
