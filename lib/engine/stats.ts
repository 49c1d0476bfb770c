/**
 * Statistics for canary analysis: the normal distribution and a two-proportion z-test.
 * Pure numeric code, no dependencies.
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

export function erf(x: number): number {
  return 1 - erfc(x);
}

/** Standard normal cumulative distribution Φ(z) = P(Z ≤ z). */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** Upper-tail probability P(Z ≥ z), computed directly so tiny values keep their precision. */
export function normalSurvival(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

export interface ZTestResult {
  /** Positive when the first proportion is larger. */
  z: number;
  /** One-sided p-value for H1: p1 > p2. */
  pValue: number;
  p1: number;
  p2: number;
}

/**
 * One-sided two-proportion z-test with a pooled variance (H0: p1 = p2, H1: p1 > p2).
 *
 * Zero variance — both samples all-success or all-failure (pooled rate 0 or 1) — means the two
 * observed proportions are identical and the data cannot show any difference: z = 0, p = 1,
 * rather than the 0/0 = NaN of the textbook formula.
 */
export function twoProportionZTest(x1: number, n1: number, x2: number, n2: number): ZTestResult {
  for (const [name, x, n] of [
    ['first', x1, n1],
    ['second', x2, n2],
  ] as const) {
    if (!Number.isInteger(n) || n < 1 || !Number.isInteger(x) || x < 0 || x > n) {
      throw new RangeError(`twoProportionZTest: ${name} sample needs integers 0 ≤ x ≤ n, n ≥ 1 (got x=${x}, n=${n})`);
    }
  }
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const pooled = (x1 + x2) / (n1 + n2);
  const variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2);
  if (variance === 0) return { z: 0, pValue: 1, p1, p2 };
  const z = (p1 - p2) / Math.sqrt(variance);
  return { z, pValue: normalSurvival(z), p1, p2 };
}
