import { describe, expect, it } from 'vitest';
import { erfc, normalSurvival } from './stats';

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
  ])('1 − erfc(%s) = erf = %s', (x, expected) => {
    expect(1 - erfc(x)).toBeCloseTo(expected, 6);
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
  ])('Φ(%s) = P(Z ≥ −z) = %s', (z, expected) => {
    expect(normalSurvival(-z)).toBeCloseTo(expected, 6);
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

  it('P(Z ≥ −z) + P(Z ≥ z) = 1 across the range', () => {
    for (let z = -6; z <= 6; z += 0.25) {
      expect(normalSurvival(-z) + normalSurvival(z)).toBeCloseTo(1, 7); // the fit is 6e-8 off at 0
    }
  });
});
