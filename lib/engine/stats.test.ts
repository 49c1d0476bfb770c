import { describe, expect, it } from 'vitest';
import { erf, erfc, normalCdf, normalSurvival, twoProportionZTest } from './stats';

/** |actual − expected| ≤ rel × |expected| (relative precision, for tail probabilities). */
function expectRelativelyClose(actual: number, expected: number, rel: number) {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected));
}

describe('erf / erfc', () => {
  // Reference values to 10+ significant digits.
  it.each([
    [0, 0],
    [0.5, 0.5204998778130465],
    [1, 0.8427007929497149],
    [2, 0.9953222650189527],
    [-1, -0.8427007929497149],
    [-0.5, -0.5204998778130465],
  ])('erf(%s) = %s', (x, expected) => {
    expect(erf(x)).toBeCloseTo(expected, 6);
  });

  it.each([
    [0, 1],
    [1, 0.15729920705028513],
    [3, 2.209049699858544e-5],
    [5, 1.5374597944280349e-12],
    [-3, 1.999977909503001],
  ])('erfc(%s) = %s to 1e-6 relative', (x, expected) => {
    expectRelativelyClose(erfc(x), expected, 1e-6);
  });

  it('is NaN only for NaN', () => {
    expect(erfc(Number.NaN)).toBeNaN();
    expect(erfc(40)).toBe(0); // underflow, not NaN
    expect(erfc(-40)).toBe(2);
  });
});

describe('normal distribution', () => {
  it.each([
    [0, 0.5],
    [1, 0.8413447460685429],
    [1.96, 0.9750021048517795],
    [-1.96, 0.024997895148220435],
    [2.5758293035489, 0.995],
    [3.090232306167813, 0.999],
    [-3, 0.0013498980316300946],
  ])('Φ(%s) = %s', (z, expected) => {
    expect(normalCdf(z)).toBeCloseTo(expected, 6);
  });

  it.each([
    [1.96, 0.024997895148220435], // the textbook one-sided 2.5 %
    [1.6448536269514722, 0.05],
    [3.090232306167813, 0.001],
    [5, 2.866515718791939e-7],
    [8, 6.22096057427178e-16],
  ])('one-sided p for z=%s is %s (1e-6 relative, even deep in the tail)', (z, expected) => {
    expectRelativelyClose(normalSurvival(z), expected, 1e-6);
  });

  it('Φ(z) + P(Z ≥ z) = 1 and Φ(−z) = P(Z ≥ z) across the range', () => {
    for (let z = -6; z <= 6; z += 0.25) {
      expect(normalCdf(z) + normalSurvival(z)).toBeCloseTo(1, 7); // the fit is 6e-8 off at 0
      expect(normalCdf(-z)).toBe(normalSurvival(z));
    }
  });
});

describe('twoProportionZTest', () => {
  it.each<[string, [number, number, number, number], { z: number; pValue: number }]>([
    // pooled 0.05, se = sqrt(0.05 × 0.95 × 2/1000) = 0.0097468 → z = 0.02 / se
    ['6% vs 4% of 1000 each', [60, 1000, 40, 1000], { z: 2.051956704170308, pValue: 0.020086933 }],
    ['4% vs 6%: the other tail', [40, 1000, 60, 1000], { z: -2.051956704170308, pValue: 0.979913067 }],
    ['equal rates', [5, 100, 50, 1000], { z: 0, pValue: 0.5 }],
  ])('%s', (_name, [x1, n1, x2, n2], expected) => {
    const result = twoProportionZTest(x1, n1, x2, n2);
    expect(result.z).toBeCloseTo(expected.z, 9);
    expect(result.pValue).toBeCloseTo(expected.pValue, 6);
    expect(result.p1).toBe(x1 / n1);
    expect(result.p2).toBe(x2 / n2);
  });

  it('20% vs 0.1% is overwhelmingly significant', () => {
    const { z, pValue } = twoProportionZTest(30, 150, 5, 5000);
    expect(z).toBeGreaterThan(20);
    expect(pValue).toBeLessThan(1e-50);
    expect(pValue).toBeGreaterThanOrEqual(0);
  });

  it.each<[string, [number, number, number, number]]>([
    ['no errors anywhere', [0, 100, 0, 2000]],
    ['everything failed everywhere', [100, 100, 50, 50]],
  ])('zero variance (%s) → z 0, p 1, never NaN', (_name, [x1, n1, x2, n2]) => {
    expect(twoProportionZTest(x1, n1, x2, n2)).toEqual({ z: 0, pValue: 1, p1: x1 / n1, p2: x2 / n2 });
  });

  it.each<[number, number, number, number]>([
    [0, 0, 1, 10],
    [1, 10, 0, 0],
    [11, 10, 1, 10],
    [-1, 10, 1, 10],
    [1.5, 10, 1, 10],
  ])('rejects impossible counts (%s/%s vs %s/%s)', (x1, n1, x2, n2) => {
    expect(() => twoProportionZTest(x1, n1, x2, n2)).toThrow(RangeError);
  });
});
