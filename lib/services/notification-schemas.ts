/**
 * Notifications in the API: the request that subscribes a target, and what the API answers —
 * subscriptions, deliveries with every attempt, the warm rollback windows, release rollbacks.
 * Target URLs are never answered: only where they point (`target`), since they carry secrets.
 */
import { z } from 'zod';
import { NOTIFICATION_KINDS } from '../notifications/kinds';
import { FORMATS } from '../notifications/formats';

import { slug } from './schemas';
import { count, environment, timestamp, uuid } from './response-primitives';

export const createSubscriptionSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    /** One service's outcomes; every service's when absent. */
    service: slug.nullable().optional(),
    /** One environment's; every environment's when absent. */
    environment: slug.nullable().optional(),
    /** The outcomes to be told about; all of them when empty. */
    events: z.array(z.enum(NOTIFICATION_KINDS)).max(NOTIFICATION_KINDS.length).default([]),
    url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2000),
    format: z.enum(FORMATS).default('json'),
    /** The body for format "template": {{event}}, {{summary}}, {{service}}, {{environment}}, {{version}}, {{reason}}, {{details.*}}… */
    template: z.string().min(1).max(10_000).optional(),
    enabled: z.boolean().default(true),
  })
  .strict()
  .refine((s) => s.format !== 'template' || s.template !== undefined, { message: 'format "template" needs a template', path: ['template'] })
  .refine((s) => s.format === 'template' || s.template === undefined, { message: 'a template is only used with format "template"', path: ['template'] });

export const subscriptionSchema = z
  .strictObject({
    id: uuid,
    name: z.string(),
    service: z.string().nullable().meta({ description: 'null: every service.' }),
    environment: environment.nullable().meta({ description: 'null: every environment.' }),
    events: z.array(z.enum(NOTIFICATION_KINDS)).meta({ description: 'Empty: every outcome.' }),
    target: z.string().meta({ description: 'Where the URL points (scheme, host, port); the rest — where secrets live — is never shown.' }),
    format: z.enum(FORMATS),
    template: z.string().nullable(),
    enabled: z.boolean(),
    createdBy: z.string(),
    createdAt: timestamp,
  })
  .meta({ title: 'Notification subscription' });

export const deliverySchema = z
  .strictObject({
    id: z.string(),
    kind: z.string(),
    target: z.string(),
    format: z.string(),
    subscription: z.string().nullable().meta({ description: "The subscription's name; null for an analysis config's webhook." }),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: count,
    maxAttempts: count,
    nextAttemptAt: timestamp.nullable().meta({ description: 'While pending: when it is tried next.' }),
    lastError: z.string().nullable(),
    createdAt: timestamp,
    deliveredAt: timestamp.nullable(),
    tries: z.array(z.strictObject({ attempt: z.number().int().min(1), at: timestamp, ok: z.boolean(), status: z.number().int().nullable(), error: z.string().nullable(), durationMs: count })),
  })
  .meta({ title: 'Notification delivery' });

export const rollbackWindowSchema = z
  .strictObject({ service: z.string(), environment, version: z.string(), until: timestamp, secondsLeft: count, instances: count })
  .meta({ title: 'Warm rollback window', description: 'A version kept running out of rotation: a rollback to it is a traffic switch.' });

