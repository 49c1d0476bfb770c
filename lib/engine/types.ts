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
  | { kind: 'hook'; phase: 'pre' | 'post'; index: number; name: string }
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
  | { kind: 'delay'; seconds: number; reason: string };

export interface PlanInput {
  strategy: StrategyName;
  params: StrategyParams;
  replicas: number;
  /** False for a service's first deployment: there is nothing to replace. */
  hasOld: boolean;
  hooks: Hooks;
  /** Rollbacks skip analysis, holds and hooks: they restore a known-good version fast. */
  kind?: 'deploy' | 'rollback';
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
