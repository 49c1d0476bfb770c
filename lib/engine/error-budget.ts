/**
 * SLO error budget. An availability SLO of 99.9 % over a 30-day month allows 0.1 % of the
 * month to be bad: 43 200 min × 0.001 = 43.2 min. Spent budget is counted in "bad minutes",
 * each minute weighted by the share of its requests that failed (5xx): a minute where 20 %
 * of requests failed spends 0.2 min. Minutes without traffic spend nothing.
 */
import { AppError } from '../errors/app-error';

export const BUDGET_PERIOD_DAYS = 30;

export interface MinuteTraffic {
  requests: number;
  errors: number;
}

export interface ErrorBudget {
  sloAvailability: number;
  periodDays: number;
  /** Total budget over the period, in minutes (99.9 % → 43.2). */
  budgetMinutes: number;
  spentMinutes: number;
  /** Can go negative: overspent. */
  leftMinutes: number;
  /** spent / budget (1 = exactly spent). */
  spentFraction: number;
  exhausted: boolean;
  requests: number;
  errors: number;
  /** Minutes with traffic that the figures cover. */
  minutesObserved: number;
}

/** What the budget needs from a set of minutes, summed (additive, so it can be kept in rollups). */
export interface TrafficTotals {
  requests: number;
  /** 5xx, each minute's at most its requests. */
  errors: number;
  /** Σ over minutes with traffic of that minute's 5xx share. */
  spentMinutes: number;
  /** Minutes with traffic. */
  minutes: number;
}

export function totalsOf(minutes: MinuteTraffic[]): TrafficTotals {
  const t: TrafficTotals = { requests: 0, errors: 0, spentMinutes: 0, minutes: 0 };
  for (const m of minutes) {
    if (m.requests <= 0) continue;
    const errors = Math.min(m.errors, m.requests);
    t.minutes++;
    t.requests += m.requests;
    t.errors += errors;
    t.spentMinutes += errors / m.requests;
  }
  return t;
}

export function errorBudget(input: { sloAvailability: number; minutes: MinuteTraffic[]; periodDays?: number }): ErrorBudget {
  return budgetFromTotals({ sloAvailability: input.sloAvailability, totals: totalsOf(input.minutes), periodDays: input.periodDays });
}

export function budgetFromTotals(input: { sloAvailability: number; totals: TrafficTotals; periodDays?: number }): ErrorBudget {
  const { sloAvailability, totals } = input;
  const periodDays = input.periodDays ?? BUDGET_PERIOD_DAYS;
  if (!(sloAvailability > 0 && sloAvailability < 100)) {
    throw new AppError('invalid', `SLO availability must be between 0 and 100 (exclusive), got ${sloAvailability}`, { field: 'sloAvailability' });
  }
  const budgetMinutes = periodDays * 24 * 60 * (1 - sloAvailability / 100);
  const spent = totals.spentMinutes;
  const round = (x: number) => Math.round(x * 1e6) / 1e6;
  return {
    sloAvailability,
    periodDays,
    budgetMinutes: round(budgetMinutes),
    spentMinutes: round(spent),
    leftMinutes: round(budgetMinutes - spent),
    spentFraction: round(budgetMinutes > 0 ? spent / budgetMinutes : 1),
    // Compared as shown (to 1e-6): sums kept in rollups differ from a fresh sum in the last bits.
    exhausted: round(spent) >= round(budgetMinutes),
    requests: totals.requests,
    errors: totals.errors,
    minutesObserved: totals.minutes,
  };
}
