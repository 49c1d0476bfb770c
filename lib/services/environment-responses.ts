/**
 * Response schemas of environments, freeze windows, approvals and promotion (see responses.ts
 * for why they are strict).
 */
import { z } from 'zod';
import { environmentRuntimeSchema } from './environment-schemas';
import { deploymentSchema, gateSchema, previewSchema } from './responses';
import { count, timestamp, uuid } from './response-primitives';

const environmentFields = {
  id: uuid,
  name: z.string(),
  order: z.number().int(),
  description: z.string(),
  protected: z.boolean(),
  requiredApprovals: count,
  soakMinutes: count.meta({ description: 'How long a version must run here, after succeeding, before it may go to the next environment.' }),
  approvalTtlHours: z.number().int(),
  strategy: z.string().nullable().meta({ description: 'Strategy a promotion into this environment uses (the service default when null).' }),
  runtime: environmentRuntimeSchema,
  createdBy: z.string(),
  createdAt: timestamp,
};

export const environmentSchema = z.strictObject(environmentFields).meta({ title: 'Environment' });

export const environmentDetailSchema = z
  .strictObject({ ...environmentFields, previous: z.string().nullable(), next: z.string().nullable() })
  .meta({ title: 'Environment with its neighbours' });

export const environmentListSchema = z
  .strictObject({
    environments: z.array(
      z.strictObject({
        ...environmentFields,
        default: z.boolean().meta({ description: 'The first environment: where calls that name none go.' }),
        previous: z.string().nullable(),
        next: z.string().nullable(),
      }),
    ),
  })
  .meta({ title: 'Environments' });

const period = z.strictObject({ start: timestamp, end: timestamp });

export const freezeWindowSchema = z
  .strictObject({
    id: uuid,
    reason: z.string(),
    startsAt: timestamp.nullable(),
    endsAt: timestamp.nullable(),
    cron: z.string().nullable(),
    durationMinutes: z.number().int().nullable(),
    timeZone: z.string(),
    environments: z.array(z.string()).meta({ description: 'Empty: every environment.' }),
    services: z.array(z.string()).meta({ description: 'Empty: every service.' }),
    createdBy: z.string(),
    createdAt: timestamp,
    active: z.boolean(),
    next: period.nullable().meta({ description: 'The current or next occurrence within 14 days.' }),
  })
  .meta({ title: 'Freeze window' });

export const freezeListSchema = z
  .strictObject({
    windows: z.array(freezeWindowSchema),
    periods: z
      .array(
        period.extend({
          active: z.boolean(),
          windows: z.array(uuid),
          reasons: z.array(z.string()),
          environments: z.array(z.string()),
          services: z.array(z.string()),
        }),
      )
      .meta({ description: 'Frozen periods of the next 14 days, overlapping windows merged.' }),
  })
  .meta({ title: 'Freeze windows' });

export const freezeDeletedSchema = z.strictObject({ deleted: uuid, reason: z.string() }).meta({ title: 'Freeze window deleted' });

export const approvalsSchema = z
  .strictObject({
    approvals: z.array(
      deploymentSchema.extend({
        mayDecide: z.boolean().meta({ description: 'Whether the caller may approve or reject it (not its requester, not decided yet).' }),
        whyNot: z.string().nullable(),
      }),
    ),
  })
  .meta({ title: 'Approvals inbox' });

export const promoteResultSchema = z
  .strictObject({
    dryRun: z.boolean(),
    service: z.string(),
    version: z.string(),
    from: z.string().nullable(),
    to: z.string(),
    strategy: z.string().optional(),
    preview: previewSchema.optional(),
    gates: z.array(gateSchema).optional(),
    deployment: deploymentSchema.nullable(),
  })
  .meta({ title: 'Promotion' });
