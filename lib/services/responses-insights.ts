/** Response schema of GET /api/v1/insights (see responses.ts for why response schemas are strict). */
import { z } from 'zod';
import { count, environment, timestamp } from './response-primitives';

const seconds = z.number().min(0).nullable();

const figures = {
  deployments: count.meta({ description: 'Successful deployments in the window.' }),
  perDay: z.number().min(0).meta({ description: 'Deployment frequency: successful deployments per day.' }),
  leadTime: z.strictObject({ medianSeconds: seconds, count }).meta({ description: 'Version registered → live, median over successful deployments.' }),
  changeFailureRate: z
    .strictObject({ rate: z.number().min(0).max(1).nullable(), failed: count, changes: count })
    .meta({ description: 'Deployments that failed, were aborted or were later rolled back, over every deployment that ran.' }),
  timeToRestore: z
    .strictObject({ medianSeconds: seconds, count, unrestored: count })
    .meta({ description: 'From a bad version taking traffic to a good version live again, median; failures not yet restored are counted apart.' }),
  trend: z.array(
    z.strictObject({ start: timestamp, deployments: count, leadTimeSeconds: seconds, failureRate: z.number().min(0).max(1).nullable(), restoreSeconds: seconds }),
  ),
};

export const insightsSchema = z
  .strictObject({
    environment,
    days: z.union([z.literal(7), z.literal(30), z.literal(90)]),
    service: z.string().nullable().meta({ description: 'The one service asked for, or null for all.' }),
    from: timestamp,
    to: timestamp,
    bucket: z.enum(['day', 'week']).meta({ description: 'The trend’s bucket: a day for 7 and 30 days, a week for 90.' }),
    overall: z.strictObject(figures),
    services: z.array(z.strictObject({ service: z.string(), ...figures })),
  })
  .meta({ title: 'Insights', description: 'The four DORA figures per service and overall, from stored deployment history of one environment (default: the last, closest to users).' });
