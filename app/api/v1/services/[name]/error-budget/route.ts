import { handler, type Params } from '@/lib/api/http';
import { systemClock } from '@/lib/clock';
import { getErrorBudget, attachedRuntime } from '@/lib/services';

export const dynamic = 'force-dynamic';

/**
 * GET /api/v1/services/{name}/error-budget
 * { service, sloAvailability, periodDays, budgetMinutes, spentMinutes, leftMinutes, spentFraction,
 *   exhausted, requests, errors, minutesObserved, since, freezeWhenSpent, frozen }
 * 99.9 % over 30 days → budgetMinutes 43.2. A minute spends the share of its requests that got a 5xx.
 */
export const GET = handler(async (req, { params }: Params<{ name: string }>, db) =>
  getErrorBudget(db, (await params).name, { runtimeFor: attachedRuntime, now: systemClock.now(), environment: new URL(req.url).searchParams.get('environment') }),
);
