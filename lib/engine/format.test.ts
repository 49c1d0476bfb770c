import { describe, expect, it } from 'vitest';
import { formatCount, formatDuration, formatMetricChange, formatMetricValue, formatPValue, formatPercent, formatRate, formatRateChange } from './format';

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
    [5.9e-4, '6e-4'],
    [0.2134, '0.21'],
    [0.0012, '0.0012'],
    [0, '<1e-300'],
    [null, 'n/a'],
  ])('formatPValue(%s) = %s', (p, text) => {
    expect(formatPValue(p)).toBe(text);
  });

  it.each<[number, string]>([
    [0.01, '1 point'],
    [0.0373, '3.73 points'],
    [0.038, '3.8 points'],
    [-0.01, '-1 point'],
  ])('formatRateChange(%s) = %s', (v, text) => {
    expect(formatRateChange(v)).toBe(text);
  });

  it.each<[Parameters<typeof formatMetricValue>[0], number | null, string]>([
    ['error_rate', 0.038, '3.8%'],
    ['latency', 120, '120 ms'],
    ['latency', 1.25, '1.3 ms'],
    ['custom', 12.34567, '12.35'],
    ['latency', null, 'no data'],
  ])('formatMetricValue(%s, %s) = %s', (kind, v, text) => {
    expect(formatMetricValue(kind, v)).toBe(text);
  });

  it('a change reads in the metric’s unit', () => {
    expect(formatMetricChange('error_rate', 0.01)).toBe('1 point');
    expect(formatMetricChange('latency', 100)).toBe('100 ms');
  });

  it.each<[number, string]>([
    [0, '0s'],
    [42, '42s'],
    [251, '4m 11s'],
    [7260, '2h 01m'],
    [90000, '1d 1h'],
    [-5, '0s'],
  ])('formatDuration(%s) = %s', (s, text) => {
    expect(formatDuration(s)).toBe(text);
  });

  it('percent and counts', () => {
    expect(formatPercent(10)).toBe('10%');
    expect(formatPercent(33.333)).toBe('33.3%');
    expect(formatCount(12345)).toBe('12,345');
  });
});
