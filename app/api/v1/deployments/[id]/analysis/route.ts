import { handler, type Params } from '@/lib/api/http';
import { systemClock } from '@/lib/clock';
import { getAnalysis } from '@/lib/services';

export const dynamic = 'force-dynamic';

/**
 * GET /api/v1/deployments/{id}/analysis — the canary analysis, for the panel's chart.
 *
 * {
 *   deploymentId, service, state,
 *   canary:   { version, versionId },
 *   baseline: { version, versionId } | null,
 *   config:   { metrics: [{ name, kind, provider, direction, threshold?, maxChange?, critical, … }],
 *               windowSeconds?, minSamples?, intervalSeconds?, alpha, webhooks } | null (not a canary),
 *   verdict:  { cursor, verdict: "wait"|"promote"|"abort"|"inconclusive", reason } | null,   // the running one
 *   steps: [{                                  // one per analysis step of the plan, in order
 *     cursor, canaryStep, weight,              // plan step index, canary step (0-based), % to canary
 *     state: "not_started"|"pending"|"running"|"passed"|"ended",
 *     windowSeconds, startedAt, elapsedSeconds, remainingSeconds,
 *     samples: { canary, baseline, min },      // requests per cohort so far vs the minimum
 *     verdict, reason,                         // latest evaluation of this step
 *     series: [{ metric, kind, provider, critical, threshold, maxChange, direction,
 *                points: [{ at, elapsedSeconds, canary, baseline, canaryN, baselineN, pValue,
 *                           status: "pending"|"pass"|"fail"|"no_data" }] }]
 *   }]
 * }
 * Values: error rates as fractions (0.05 = 5 %), latency in milliseconds, custom metrics as
 * their provider returns them; null = no data.
 */
export const GET = handler(async (_req, { params }: Params<{ id: string }>, db) => getAnalysis(db, (await params).id, systemClock.now()));
