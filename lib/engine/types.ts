/**
 * Types shared by the pure engine and the orchestrator that executes its plans.
 *
 * The engine never touches I/O or reads a clock: every function takes what it needs
 * (including `now`, as epoch milliseconds) and returns data. A plan is a flat list of
 * steps; the orchestrator persists a cursor into it and executes one step at a time,
 * idempotently, so a crash at any point resumes at the same step.
 */

import type { AnalysisConfig } from './analysis';

export type StrategyName = 'rolling' | 'blue-green' | 'canary' | 'recreate';
export const STRATEGIES: readonly StrategyName[] = ['rolling', 'blue-green', 'canary', 'recreate'];

export type DeploymentState = 'awaiting_approval' | 'queued' | 'running' | 'paused' | 'succeeded' | 'failed' | 'aborted';
export const ACTIVE_STATES: readonly DeploymentState[] = ['awaiting_approval', 'queued', 'running', 'paused'];
export const TERMINAL_STATES: readonly DeploymentState[] = ['succeeded', 'failed', 'aborted'];

/** Defaults from the incident report (SPEC.md). */
export const DEFAULTS = {
  canaryWindowSeconds: 300,
  canaryMinSamples: 100,
  canarySteps: [10, 25, 50, 100] as number[],
  leaseTtlSeconds: 300,
  gracePeriodSeconds: 60,
  scaleDownDelaySeconds: 30,
  rollingBatchSize: 1,
  health: {
    path: '/healthz',
    intervalSeconds: 5,
    timeoutSeconds: 2,
    healthyThreshold: 1,
    unhealthyThreshold: 3,
    gracePeriodSeconds: 60,
  },
} as const;

// ---------------------------------------------------------------- strategy params

/** An absolute count or a percentage of replicas such as "25%", as in Kubernetes. */
export type IntOrPercent = number | string;

export interface RollingParams {
  /** Instances replaced per batch (default 1). Ignored when maxSurge/maxUnavailable is given. */
  batchSize?: number;
  /** Kubernetes semantics: extra instances above replicas; a percentage rounds UP. */
  maxSurge?: IntOrPercent;
  /** Kubernetes semantics: instances below replicas; a percentage rounds DOWN. */
  maxUnavailable?: IntOrPercent;
}

export interface BlueGreenParams {
  /** Hold the green set on its preview address until someone promotes (default false). */
  previewHold?: boolean;
  /** Keep blue running this long after the switch so a rollback is a routing change (default 30). */
  scaleDownDelaySeconds?: number;
}

export interface CanaryStepSpec {
  /** Percentage of traffic to the canary, 1..100, strictly increasing across steps. */
  weight: number;
  /** Analysis window for this step; default the params' windowSeconds (300). */
  windowSeconds?: number;
  /** Minimum requests in EACH cohort (canary and stable) before promotion; default 100. */
  minSamples?: number;
}

export interface CanaryParams {
  /** Either plain weights or full step specs. A final 100 % step is appended if missing. */
  steps?: Array<number | CanaryStepSpec>;
  windowSeconds?: number;
  minSamples?: number;
  /** Absolute error-rate ceiling for the canary (0..1). Default 0.05. */
  maxErrorRate?: number;
}

export type RecreateParams = Record<string, never>;

export type StrategyParams = RollingParams | BlueGreenParams | CanaryParams | RecreateParams;

// ---------------------------------------------------------------- service facts

export interface HealthPolicy {
  path: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  gracePeriodSeconds: number;
}

export type Hook =
  | { name: string; type: 'command'; command: string; args?: string[]; timeoutSeconds?: number }
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

export interface CohortCounts {
  requests: number;
  errors: number;
}

export type CanaryVerdict = 'wait' | 'promote' | 'abort' | 'inconclusive';

export interface CanaryDecision {
  verdict: CanaryVerdict;
  reason: string;
  /** Seconds of the window still to run (0 once elapsed). */
  remainingSeconds: number;
  canaryErrorRate: number | null;
  baselineErrorRate: number | null;
  /** One-sided p-value that the canary's error rate exceeds the baseline's (null without data). */
  pValue: number | null;
}

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
