import { handler } from '@/lib/api/http';
import { systemClock } from '@/lib/clock';
import { getInsights } from '@/lib/services';

export const dynamic = 'force-dynamic';

/**
 * GET /api/v1/insights?service=&environment=&days=7|30|90 — the four DORA figures per service
 * and overall, each with its trend, from stored history (default: 30 days, the last environment).
 */
export const GET = handler(async (req, _ctx, db) => getInsights(db, Object.fromEntries(new URL(req.url).searchParams), systemClock.now()));
