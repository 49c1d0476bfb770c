import { describe, expect, it } from 'vitest';
import { formatPValue, formatRate } from './format';

describe('formatting', () => {
  it.each<[number | null, string]>([
    [0.052, '5.2%'],
    [0.001, '0.1%'],
    [0.00125, '0.13%'],
    [0.2, '20%'],
    [0, '0%'],
    [null, 'n/a'],
  ])('formatRate(%s) = %s', (rate, text) => {
    expect(formatRate(rate)).toBe(text);
  });

  it.each<[number | null, string]>([
    [3.1e-12, '3e-12'],
    [0.2134, '0.21'],
    [0.0012, '0.0012'],
    [0, '<1e-300'],
    [null, 'n/a'],
  ])('formatPValue(%s) = %s', (p, text) => {
    expect(formatPValue(p)).toBe(text);
  });
});
