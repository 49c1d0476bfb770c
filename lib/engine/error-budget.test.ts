import { describe, expect, it } from 'vitest';
import { errorBudget } from './error-budget';
import { expectAppError } from '../testing/engine';

describe('errorBudget', () => {
  it.each<[number, Array<{ requests: number; errors: number }>, { budgetMinutes: number; spentMinutes: number; exhausted: boolean }]>([
    [99.9, [], { budgetMinutes: 43.2, spentMinutes: 0, exhausted: false }],
    [99.9, [{ requests: 100, errors: 20 }, { requests: 100, errors: 20 }], { budgetMinutes: 43.2, spentMinutes: 0.4, exhausted: false }],
    [99, [{ requests: 10, errors: 0 }], { budgetMinutes: 432, spentMinutes: 0, exhausted: false }],
    [99.99, [...Array(5)].map(() => ({ requests: 10, errors: 10 })), { budgetMinutes: 4.32, spentMinutes: 5, exhausted: true }],
    [99.9, [{ requests: 0, errors: 0 }], { budgetMinutes: 43.2, spentMinutes: 0, exhausted: false }],
  ])('slo %d with %j', (slo, minutes, expected) => {
    expect(errorBudget({ sloAvailability: slo, minutes })).toMatchObject(expected);
  });
  it('the incident: 20% of users erring for 5 minutes at a 20% error share ≈ 0.2 min', () => {
    const b = errorBudget({ sloAvailability: 99.9, minutes: [...Array(5)].map(() => ({ requests: 1000, errors: 40 })) });
    expect(b.spentMinutes).toBeCloseTo(0.2, 6);
    expect(b.leftMinutes).toBeCloseTo(43.0, 6);
  });
  it('refuses an impossible SLO', () => {
    expectAppError(() => errorBudget({ sloAvailability: 100, minutes: [] }), 'invalid', 'SLO availability must be between 0 and 100');
  });
});
