import { describe, expect, it } from 'vitest';
import { planDeployment } from './plan';
import { HOOK_TIMEOUT_DEFAULT_SECONDS, previewPlan, type PreviewContext } from './preview';
import { estimateRecreateDowntimeSeconds } from './recreate';
import { planRevert } from './revert';
import { DEFAULTS } from './types';
import type { Plan, PlanInput, StrategyName, StrategyParams } from './types';
import { NO_HOOKS, TWO_HOOKS, expectAppError } from '../testing/engine';

const ctx = (over: Partial<PreviewContext> = {}): PreviewContext => ({
  health: { ...DEFAULTS.health },
  drainSeconds: 10,
  missingConfigKeys: [],
  dependencies: [],
  lease: null,
  ...over,
});
const plan = (over: Partial<PlanInput>): Plan =>
  planDeployment({ strategy: 'rolling', params: {}, replicas: 3, hasOld: true, hooks: NO_HOOKS, ...over });

describe('previewPlan: traffic after each step', () => {
  it.each<[string, Partial<PlanInput>, Array<[number, number]>]>([
    [
      'rolling, 3 replicas, batch 1',
      {},
      // start, await, route, drain — per batch
      [
        [0, 100], [0, 100], [33.3, 66.7], [33.3, 66.7],
        [33.3, 66.7], [33.3, 66.7], [66.7, 33.3], [66.7, 33.3],
        [66.7, 33.3], [66.7, 33.3], [100, 0], [100, 0],
      ],
    ],
    [
      'blue-green: nothing moves until the single switch',
      { strategy: 'blue-green', params: { scaleDownDelaySeconds: 0 } },
      [[0, 100], [0, 100], [100, 0], [100, 0]],
    ],
    [
      'canary 3 replicas, steps 10/50',
      { strategy: 'canary', params: { steps: [10, 50] } },
      // start0, await0, route10, analysis, start1, await1, route50, analysis, start2, await2, route100, drain
      [
        [0, 100], [0, 100], [10, 90], [10, 90],
        [10, 90], [10, 90], [50, 50], [50, 50],
        [50, 50], [50, 50], [100, 0], [100, 0],
      ],
    ],
    [
      'recreate: nothing served between the stop and the new route',
      { strategy: 'recreate', replicas: 2 },
      [[0, 0], [0, 0], [0, 0], [0, 0], [100, 0]],
    ],
  ])('%s', (_name, over, expected) => {
    const preview = previewPlan(plan(over), ctx());
    expect(preview.steps.map((s) => [s.traffic.newPercent, s.traffic.oldPercent])).toEqual(expected);
    expect(preview.initialTraffic).toEqual({ newPercent: 0, oldPercent: 100, serving: true });
  });

  it('recreate reports when nothing serves', () => {
    const preview = previewPlan(plan({ strategy: 'recreate', replicas: 2 }), ctx());
    expect(preview.steps.map((s) => s.traffic.serving)).toEqual([false, false, false, false, true]);
  });

  it('first deploy starts from nothing serving, and that is not downtime', () => {
    const preview = previewPlan(plan({ strategy: 'recreate', hasOld: false }), ctx());
    expect(preview.initialTraffic).toEqual({ newPercent: 0, oldPercent: 0, serving: false });
    expect(preview.expectedDowntimeSeconds).toEqual({ min: 0, max: 0 });
    expect(preview.summary).toMatch(/no downtime expected/);
  });

  it('a revert moves traffic back to the old version', () => {
    const steps = planRevert({ replicas: 2, hasOld: true, oldRunning: [0, 1], newRunning: [0, 1] });
    const preview = previewPlan({ strategy: 'canary', params: {}, replicas: 2, steps }, ctx());
    expect(preview.steps.map((s) => s.traffic.newPercent)).toEqual([0, 0]);
    expect(preview.steps[0]?.description).toBe('Switch all traffic back to the old version in one atomic change');
  });
});

describe('previewPlan: descriptions', () => {
  it('rolling steps name their batch', () => {
    const preview = previewPlan(plan({ hooks: TWO_HOOKS }), ctx());
    expect(preview.steps.map((s) => s.description)).toEqual([
      'Pre-deploy hook 1/2: migrate-db',
      'Pre-deploy hook 2/2: warm-cache',
      'Batch 1/3: start new instance slot 0',
      'Batch 1/3: wait until new instance slot 0 is ready',
      'Batch 1/3: route traffic to old instance slots 1–2 and new instance slot 0',
      'Batch 1/3: drain and stop old instance slot 0',
      'Batch 2/3: start new instance slot 1',
      'Batch 2/3: wait until new instance slot 1 is ready',
      'Batch 2/3: route traffic to old instance slot 2 and new instance slots 0–1',
      'Batch 2/3: drain and stop old instance slot 1',
      'Batch 3/3: start new instance slot 2',
      'Batch 3/3: wait until new instance slot 2 is ready',
      'Batch 3/3: route traffic to new instance slots 0–2',
      'Batch 3/3: drain and stop old instance slot 2',
      'Post-deploy hook 1/1: smoke-test',
    ]);
    expect(preview.steps.map((s) => s.batch ?? null)).toEqual([null, null, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, null]);
  });

  it('a maxUnavailable pre-drain route belongs to its batch', () => {
    const preview = previewPlan(plan({ replicas: 4, params: { maxUnavailable: 2 } }), ctx());
    expect(preview.steps[0]?.description).toBe('Batch 1/2: route traffic to old instance slots 2–3');
    expect(preview.steps[5]?.description).toBe('Batch 2/2: route traffic to new instance slots 0–1');
  });

  it('canary, blue-green and recreate steps read as sentences', () => {
    const canary = previewPlan(plan({ strategy: 'canary', replicas: 10, params: { steps: [25] } }), ctx());
    expect(canary.steps.map((s) => s.description)).toEqual([
      'Start new instance slots 0–2',
      'Wait until new instance slots 0–2 are ready',
      'Shift 25% of traffic to the new version (75% stays on the old)',
      'Analyse canary step 1/1 at 25%: at least 300 s and 100 requests per cohort; abort early on significant harm',
      'Start new instance slots 3–9',
      'Wait until new instance slots 3–9 are ready',
      'Shift 100% of traffic to the new version',
      'Drain and stop old instance slots 0–9',
    ]);
    const blueGreen = previewPlan(plan({ strategy: 'blue-green', params: { previewHold: true } }), ctx());
    expect(blueGreen.steps.map((s) => s.description)).toEqual([
      'Start new instance slots 0–2',
      'Wait until new instance slots 0–2 are ready',
      'Hold: green is ready on its preview address; promote to switch traffic to it',
      'Switch all traffic to the new version in one atomic change',
      'Wait 30 s: keep blue running so a rollback is only a routing change',
      'Drain and stop old instance slots 0–2',
    ]);
  });
});

describe('previewPlan: timing', () => {
  it('per step and cumulative, from the health policy, drain time and hook timeouts', () => {
    const preview = previewPlan(plan({ strategy: 'blue-green', params: { previewHold: true }, hooks: TWO_HOOKS }), ctx({ hooks: TWO_HOOKS }));
    const rows = preview.steps.map((s) => [s.step.kind, s.seconds.min, s.seconds.max, s.cumulativeSeconds.min, s.cumulativeSeconds.max]);
    expect(rows).toEqual([
      ['hook', 0, 120, 0, 120], // its own timeoutSeconds
      ['hook', 0, HOOK_TIMEOUT_DEFAULT_SECONDS, 0, 120 + HOOK_TIMEOUT_DEFAULT_SECONDS], // none declared
      ['start', 0, 0, 0, 420],
      ['await_ready', 5, 75, 5, 495], // 1 × 5 s; up to 60 s grace + 3 × 5 s
      ['hold', 0, 0, 5, 495],
      ['route', 0, 0, 5, 495],
      ['hook', 0, 60, 5, 555],
      ['delay', 30, 30, 35, 585],
      ['drain_stop', 10, 10, 45, 595],
    ]);
    expect(preview.totalSeconds).toEqual({ min: 45, max: 595 });
    expect(preview.waitsForHuman).toBe(true);
    expect(preview.steps.filter((s) => s.waitsForHuman).map((s) => s.step.kind)).toEqual(['hold']);
    expect(preview.steps[3]?.timing).toBe('≈5 s (1 probe × 5 s), up to 75 s (60 s grace + 3 probes × 5 s)');
    expect(preview.summary).toBe(
      'blue-green of 3 replicas; 9 steps; about 45 s, up to 595 s plus a manual promotion; no downtime expected',
    );
  });

  it('canary analysis steps take their window', () => {
    const preview = previewPlan(plan({ strategy: 'canary', replicas: 1, params: { steps: [{ weight: 50, windowSeconds: 120 }] } }), ctx());
    const analysis = preview.steps.find((s) => s.step.kind === 'analysis');
    expect(analysis?.seconds).toEqual({ min: 120, max: 120 });
  });

  it.each<[StrategyName, StrategyParams, number]>([
    ['recreate', {}, 10],
    ['recreate', {}, 0],
    ['recreate', {}, 45],
  ])('%s downtime equals estimateRecreateDowntimeSeconds (drain %s s)', (strategy, params, drainSeconds) => {
    const health = { ...DEFAULTS.health, healthyThreshold: 2 };
    const preview = previewPlan(plan({ strategy, params }), ctx({ drainSeconds, health }));
    expect(preview.expectedDowntimeSeconds).toEqual(estimateRecreateDowntimeSeconds(health, drainSeconds));
    const { min, max } = preview.expectedDowntimeSeconds;
    expect(preview.summary).toMatch(new RegExp(`expected downtime ${min}–${max} s$`));
  });

  it.each<[StrategyName, StrategyParams]>([
    ['rolling', { batchSize: 2 }],
    ['rolling', { maxSurge: 1, maxUnavailable: 1 }],
    ['blue-green', {}],
    ['canary', {}],
  ])('%s %j has no downtime', (strategy, params) => {
    expect(previewPlan(plan({ strategy, params }), ctx()).expectedDowntimeSeconds).toEqual({ min: 0, max: 0 });
  });

  it('rejects a negative drain time', () => {
    expectAppError(() => previewPlan(plan({}), ctx({ drainSeconds: -5 })), 'invalid', 'drainSeconds must be a number ≥ 0, got -5');
  });
});

describe('previewPlan: preflight', () => {
  const lease = { holder: 'worker-7', deploymentId: 'dep_42', expiresAt: Date.UTC(2030, 0, 1, 12, 0, 0) };
  it.each<[string, Partial<PreviewContext>, boolean, string[], string[]]>([
    ['all clear', {}, true, [], []],
    ['missing config', { missingConfigKeys: ['STRIPE_KEY', 'DB_URL'] }, false, ['missing required config keys: DB_URL, STRIPE_KEY'], []],
    ['one missing key', { missingConfigKeys: ['DB_URL'] }, false, ['missing required config key: DB_URL'], []],
    [
      'lease held',
      { lease },
      false,
      ['deployment dep_42 (worker-7) holds the lease on this service until 2030-01-01T12:00:00.000Z'],
      [],
    ],
    [
      'dependency without a live version: a warning only',
      { dependencies: [{ service: 'auth-service', liveVersion: null }, { service: 'db', liveVersion: '1.2.0' }] },
      true,
      [],
      ['dependency auth-service has no live version'],
    ],
  ])('%s', (_name, over, ok, problems, warnings) => {
    const { preflight } = previewPlan(plan({}), ctx(over));
    expect(preflight.ok).toBe(ok);
    expect(preflight.problems).toEqual(problems);
    expect(preflight.warnings).toEqual(warnings);
    expect(preflight.missingConfigKeys).toEqual([...(over.missingConfigKeys ?? [])].sort());
    expect(preflight.dependencies).toEqual(over.dependencies ?? []);
    expect(preflight.lease).toEqual(over.lease ?? null);
  });
});
