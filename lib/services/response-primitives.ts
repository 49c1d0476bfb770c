/** The small schemas every response schema is made of. */
import { z } from 'zod';

export const timestamp = z.iso.datetime({ offset: true }).meta({ description: 'ISO 8601 date-time (UTC)' });
export const uuid = z.uuid();
export const count = z.number().int().min(0);
export const deploymentState = z.enum(['awaiting_approval', 'queued', 'running', 'paused', 'succeeded', 'failed', 'aborted']);
export const environment = z.string().meta({ description: 'The environment (staging, production…).' });
/** A JSON object whose keys are free (event data, audit details). */
export const freeObject = z.record(z.string(), z.unknown());
