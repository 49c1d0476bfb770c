/**
 * Canary analysis benchmarks, driven by a SIMULATED traffic source with a controllable clock
 * (`"source":"simulated"`): per-second request, 5xx and latency-histogram counts for the two
 * cohorts, served through the Runtime's traffic()/latency() and read by the REAL analysis
 * code — the router metric provider (lib/metrics) and the engine's evaluateAnalysis with the
 * default metrics (router error rate + p95 latency), default alpha and default 10 s interval.
 *
 *  - canary-detection: canary error rate ∈ {1, 2, 5, 20 %} against a 0.1 % baseline, at 20 and
 *    100 requests/s in total, the canary at its first step's weight (10 %), 300 s window;
 *    median seconds from the start of the window to the abort.
 *  - canary-latency-detection: +300 ms on the canary, at 20 and 100 requests/s.
 *  - canary-false-abort: ≥ 200 healthy windows (canary identical to the baseline) at several
 *    error rates and loads; how many aborted, and whether any promoted before 300 s.
 */
import { performance } from 'node:perf_hooks';
import { DEFAULTS } from '../engine/types';
import { evaluateAnalysis, validateAnalysisConfig, type AnalysisVerdict } from '../engine/analysis';
import { measureAll } from '../metrics';
import { bucketIndex, HISTOGRAM_BUCKETS, LATENCY_BOUNDS_MS } from '../runtime/local/metrics';
import type { Runtime, VersionLatency, VersionTraffic } from '../runtime/types';

type Emit = (line: Record<string, unknown>) => void;

/** mulberry32: small, fast, seedable. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function poisson(rand: () => number, mean: number): number {
  // Knuth for small means, normal approximation above.
  if (mean > 50) return Math.max(0, Math.round(mean + Math.sqrt(mean) * gaussian(rand)));
  const l = Math.exp(-mean);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= rand();
  } while (p > l);
  return k - 1;
}

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

interface CohortModel {
  rps: number;
  errorRate: number;
  /** lognormal latency: median ms and sigma */
  medianMs: number;
  sigma: number;
}

/** Per-second counts for two versions, generated as the simulated clock advances. */
class SimulatedSource {
  readonly seconds: Array<Record<string, { requests: number; errors: number; hist: number[]; max: number }>> = [];
  constructor(
    private readonly rand: () => number,
    private readonly models: Record<string, CohortModel>,
    readonly t0: number,
  ) {}

  advanceTo(ms: number) {
    while (this.t0 + this.seconds.length * 1000 < ms) {
      const sec: SimulatedSource['seconds'][number] = {};
      for (const [v, m] of Object.entries(this.models)) {
        const n = poisson(this.rand, m.rps);
        let errors = 0;
        let max = 0;
        const hist = new Array<number>(HISTOGRAM_BUCKETS).fill(0);
        for (let i = 0; i < n; i++) {
          if (this.rand() < m.errorRate) errors++;
          const lat = m.medianMs * Math.exp(m.sigma * gaussian(this.rand));
          hist[bucketIndex(lat)]!++;
          if (lat > max) max = lat;
        }
        sec[v] = { requests: n, errors, hist, max };
      }
      this.seconds.push(sec);
    }
  }

  private range(fromMs: number, toMs: number) {
    const a = Math.max(0, Math.floor((fromMs - this.t0) / 1000));
    const b = Math.min(this.seconds.length, Math.ceil((toMs - this.t0) / 1000));
    return this.seconds.slice(a, b);
  }

  runtime(): Runtime {
    const unsupported = () => Promise.reject(new Error('not simulated'));
    return {
      scale: unsupported,
      list: unsupported,
      probe: unsupported,
      setRoutes: unsupported,
      getRoutes: unsupported,
      traffic: async (_s, fromMs, toMs) => {
        const out: Record<string, VersionTraffic> = {};
        for (const sec of this.range(fromMs, toMs)) {
          for (const [v, c] of Object.entries(sec)) {
            const t = (out[v] ??= { requests: 0, errors: 0, serverErrors: 0 });
            t.requests += c.requests;
            t.errors += c.errors;
            t.serverErrors += c.errors;
          }
        }
        return out;
      },
      latency: async (_s, fromMs, toMs) => {
        const out: Record<string, VersionLatency> = {};
        for (const sec of this.range(fromMs, toMs)) {
          for (const [v, c] of Object.entries(sec)) {
            const l = (out[v] ??= { boundsMs: [...LATENCY_BOUNDS_MS], counts: new Array<number>(HISTOGRAM_BUCKETS).fill(0), maxMs: 0 });
            for (let i = 0; i < HISTOGRAM_BUCKETS; i++) l.counts[i]! += c.hist[i]!;
            l.maxMs = Math.max(l.maxMs, c.max);
          }
        }
        return out;
      },
    };
  }
}

const CONFIG = validateAnalysisConfig({});
const INTERVAL_S = 10;
const WINDOW_S = DEFAULTS.canaryWindowSeconds;
const MIN_SAMPLES = DEFAULTS.canaryMinSamples;
const CANARY_WEIGHT = DEFAULTS.canarySteps[0]!;

/** One analysis window, evaluated every INTERVAL_S as the orchestrator does. */
export async function simulateWindow(opts: {
  seed: number;
  totalRps: number;
  canaryWeight?: number;
  canary: Omit<CohortModel, 'rps'>;
  baseline: Omit<CohortModel, 'rps'>;
}): Promise<{ verdict: AnalysisVerdict; atSeconds: number; reason: string }> {
  const w = (opts.canaryWeight ?? CANARY_WEIGHT) / 100;
  const t0 = 1_700_000_000_000;
  const src = new SimulatedSource(
    rng(opts.seed),
    { canary: { ...opts.canary, rps: opts.totalRps * w }, stable: { ...opts.baseline, rps: opts.totalRps * (1 - w) } },
    t0,
  );
  const runtime = src.runtime();
  let last = { verdict: 'wait' as AnalysisVerdict, atSeconds: 0, reason: '' };
  for (let t = INTERVAL_S; t <= WINDOW_S + INTERVAL_S; t += INTERVAL_S) {
    const now = t0 + t * 1000;
    src.advanceTo(now);
    const { samples, readings } = await measureAll(CONFIG, {
      service: 'sim',
      canary: { versionId: 'canary', semver: '2.0.0' },
      baseline: { versionId: 'stable', semver: '1.0.0' },
      fromMs: t0,
      toMs: now,
      runtime,
    });
    const d = evaluateAnalysis({ startedAt: t0, now, windowSeconds: WINDOW_S, minSamples: MIN_SAMPLES, samples, config: CONFIG, readings });
    last = { verdict: d.verdict, atSeconds: t, reason: d.reason };
    if (d.verdict !== 'wait') return last;
  }
  return last;
}

const HEALTHY_LATENCY = { medianMs: 20, sigma: 0.5 };
const BASELINE_ERROR_RATE = 0.001;

function median(xs: number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export async function canaryDetection(emit: Emit, runs = 41) {
  for (const rps of [20, 100]) {
    for (const errorRate of [0.01, 0.02, 0.05, 0.2]) {
      const t = performance.now();
      const abortTimes: number[] = [];
      let promotions = 0;
      let promotedEarly = 0;
      let inconclusive = 0;
      for (let i = 0; i < runs; i++) {
        const r = await simulateWindow({
          seed: 1000 * rps + Math.round(errorRate * 1e4) * 7 + i,
          totalRps: rps,
          canary: { errorRate, ...HEALTHY_LATENCY },
          baseline: { errorRate: BASELINE_ERROR_RATE, ...HEALTHY_LATENCY },
        });
        if (r.verdict === 'abort') abortTimes.push(r.atSeconds);
        if (r.verdict === 'promote') {
          promotions++;
          if (r.atSeconds < WINDOW_S) promotedEarly++;
        }
        if (r.verdict === 'inconclusive') inconclusive++;
      }
      emit({
        bench: 'canary-detection',
        source: 'simulated',
        error_rate: errorRate,
        baseline_error_rate: BASELINE_ERROR_RATE,
        rps,
        canary_weight: CANARY_WEIGHT,
        window_s: WINDOW_S,
        interval_s: INTERVAL_S,
        runs,
        aborted: abortTimes.length,
        promoted: promotions,
        inconclusive,
        promoted_before_window: promotedEarly,
        median_s_to_abort: median(abortTimes),
        max_s_to_abort: abortTimes.length ? Math.max(...abortTimes) : null,
        wall_ms: Math.round(performance.now() - t),
      });
    }
  }
}

/** +300 ms on the canary (latency-p95 via Mann–Whitney U), same 10 % weight and 300 s window. */
export async function canaryLatencyDetection(emit: Emit, runs = 21) {
  for (const rps of [20, 100]) {
    const times: number[] = [];
    let promoted = 0;
    for (let i = 0; i < runs; i++) {
      const r = await simulateWindow({
        seed: 500_000 + rps * 100 + i,
        totalRps: rps,
        canary: { errorRate: BASELINE_ERROR_RATE, medianMs: HEALTHY_LATENCY.medianMs + 300, sigma: 0.1 },
        baseline: { errorRate: BASELINE_ERROR_RATE, ...HEALTHY_LATENCY },
      });
      if (r.verdict === 'abort') times.push(r.atSeconds);
      if (r.verdict === 'promote') promoted++;
    }
    emit({ bench: 'canary-latency-detection', source: 'simulated', added_latency_ms: 300, rps, canary_weight: CANARY_WEIGHT, window_s: WINDOW_S, runs, aborted: times.length, promoted, median_s_to_abort: median(times) });
  }
}

export async function canaryFalseAbort(emit: Emit, perCombo = 100) {
  const combos = [
    { rps: 20, errorRate: 0.001 },
    { rps: 20, errorRate: 0.02 },
    { rps: 100, errorRate: 0.001 },
    { rps: 100, errorRate: 0.02 },
  ];
  let runs = 0;
  let aborts = 0;
  let promotions = 0;
  let promotedEarly = 0;
  let inconclusive = 0;
  const reasons: string[] = [];
  const t = performance.now();
  for (const [ci, c] of combos.entries()) {
    for (let i = 0; i < perCombo; i++) {
      const model = { errorRate: c.errorRate, ...HEALTHY_LATENCY };
      const r = await simulateWindow({ seed: 900_000 + ci * 10_000 + i, totalRps: c.rps, canary: model, baseline: model });
      runs++;
      if (r.verdict === 'abort') {
        aborts++;
        if (reasons.length < 3) reasons.push(r.reason);
      }
      if (r.verdict === 'promote') {
        promotions++;
        if (r.atSeconds < WINDOW_S) promotedEarly++;
      }
      if (r.verdict === 'inconclusive') inconclusive++;
    }
  }
  emit({
    bench: 'canary-false-abort',
    source: 'simulated',
    runs,
    aborts,
    false_abort_rate: Math.round((aborts / runs) * 1e4) / 1e4,
    promoted: promotions,
    inconclusive,
    promoted_before_window: promotedEarly,
    window_s: WINDOW_S,
    loads_rps: [...new Set(combos.map((c) => c.rps))],
    error_rates: [...new Set(combos.map((c) => c.errorRate))],
    wall_ms: Math.round(performance.now() - t),
    ...(reasons.length ? { sample_reasons: reasons } : {}),
  });
}

export async function canaryBenchmarks(emit: Emit): Promise<void> {
  const only = process.env.BENCH_ONLY?.split(',');
  const want = (name: string) => !only || only.includes(name);
  if (want('canary-detection')) await canaryDetection(emit);
  if (want('canary-latency-detection')) await canaryLatencyDetection(emit);
  if (want('canary-false-abort')) await canaryFalseAbort(emit);
}

// `tsx lib/bench/canary-bench.ts` runs these alone (no database needed).
if (process.argv[1] && /canary-bench\.ts$/.test(process.argv[1])) {
  canaryBenchmarks((l) => process.stdout.write(`${JSON.stringify(l)}\n`)).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
