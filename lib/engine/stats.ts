/**
 * Statistics for canary analysis: the normal tail, a Mann–Whitney U test on latency
 * histograms and an exact conditional binomial test on error counts. Pure numeric code, no
 * dependencies.
 */

/**
 * Complementary error function, erfc(x) = 1 − erf(x).
 *
 * Chebyshev-fitted approximation from Press et al., "Numerical Recipes" (§6.2, erfc): a
 * FRACTIONAL error below 1.2e-7 for every x. Relative accuracy matters here: canary p-values
 * live in the far tail (1e-3 … 1e-12), where the usual absolute-error formulas (Abramowitz &
 * Stegun 7.1.26) are off by percent.
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  // Horner form of the fitted polynomial in t.
  const poly =
    -1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const tail = t * Math.exp(-z * z + poly);
  return x >= 0 ? tail : 2 - tail;
}

/** Upper-tail probability P(Z ≥ z), computed directly so tiny values keep their precision. */
export function normalSurvival(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

export interface MannWhitneyResult {
  /** U statistic of the first sample (the number of pairs where it is larger, ties counting ½). */
  u: number;
  z: number;
  /** One-sided p-value for H1: the first sample tends to be larger. */
  pValue: number;
  n1: number;
  n2: number;
}

/**
 * One-sided Mann–Whitney U test on BINNED samples: `a[i]` and `b[i]` are how many
 * observations of each sample fall in bin i, bins in increasing order (a latency histogram).
 * Observations in the same bin are ties; the variance carries the usual tie correction, so a
 * coarse histogram gives a conservative (never an over-confident) answer. Normal
 * approximation with continuity correction; p = 1 when either sample is empty or every
 * observation is tied.
 */
export function mannWhitneyBinned(a: ArrayLike<number>, b: ArrayLike<number>): MannWhitneyResult {
  if (a.length !== b.length) throw new RangeError(`mannWhitneyBinned: bin counts differ (${a.length} vs ${b.length})`);
  let n1 = 0;
  let n2 = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (!(x >= 0) || !(y >= 0)) throw new RangeError(`mannWhitneyBinned: bin ${i} has a negative or NaN count`);
    n1 += x;
    n2 += y;
  }
  if (n1 === 0 || n2 === 0) return { u: 0, z: 0, pValue: 1, n1, n2 };
  let u = 0;
  let below = 0; // b observations in lower bins
  let ties = 0; // Σ (t³ − t)
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    u += x * (below + 0.5 * y);
    below += y;
    const t = x + y;
    ties += t * t * t - t;
  }
  const n = n1 + n2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - ties / (n * (n - 1)));
  if (!(variance > 0)) return { u, z: 0, pValue: 1, n1, n2 };
  const diff = u - mean;
  const z = (Math.abs(diff) <= 0.5 ? 0 : diff - 0.5 * Math.sign(diff)) / Math.sqrt(variance);
  return { u, z, pValue: normalSurvival(z), n1, n2 };
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms): ~15 significant digits. */
function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** P(X ≥ k) for X ~ Binomial(n, p), summed exactly (in log space, stopping once terms vanish). */
export function binomialSurvival(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  const logPmf = (i: number) => logGamma(n + 1) - logGamma(i + 1) - logGamma(n - i + 1) + i * Math.log(p) + (n - i) * Math.log1p(-p);
  const ratio = p / (1 - p);
  if (k > n * p) {
    // Upper tail: terms fall from k on.
    let term = Math.exp(logPmf(k));
    let sum = term;
    for (let i = k; i < n && term > sum * 1e-16; i++) {
      term *= ((n - i) / (i + 1)) * ratio;
      sum += term;
    }
    return Math.min(1, sum);
  }
  // k at or below the mean: 1 − P(X ≤ k−1), terms fall going down from k−1.
  let term = Math.exp(logPmf(k - 1));
  let lower = term;
  for (let i = k - 1; i > 0 && term > lower * 1e-16; i--) {
    term *= (i / (n - i + 1)) / ratio;
    lower += term;
  }
  return Math.max(0, Math.min(1, 1 - lower));
}

/**
 * One-sided exact test that the first sample's error rate exceeds the second's, conditional on
 * the total number of errors: under H0 each error falls in the first sample with probability
 * n1 / (n1 + n2), so p = P(Binomial(x1 + x2, n1 / (n1 + n2)) ≥ x1). Exact for rare errors,
 * where the normal approximation of the z-test is badly over-confident (3 errors in 265
 * requests against 1 in 2422 gives z-test p ≈ 6e-6, exact p ≈ 0.004).
 */
export function conditionalBinomialTest(x1: number, n1: number, x2: number, n2: number): { pValue: number } {
  for (const [name, x, n] of [
    ['first', x1, n1],
    ['second', x2, n2],
  ] as const) {
    if (!Number.isInteger(n) || n < 1 || !Number.isInteger(x) || x < 0 || x > n) {
      throw new RangeError(`conditionalBinomialTest: ${name} sample needs integers 0 ≤ x ≤ n, n ≥ 1 (got x=${x}, n=${n})`);
    }
  }
  const total = x1 + x2;
  if (total === 0) return { pValue: 1 };
  return { pValue: binomialSurvival(x1, total, n1 / (n1 + n2)) };
}
