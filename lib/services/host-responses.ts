/**
 * Response schemas of fleet hosts (strict, as every response schema: see responses.ts). The
 * agent's token is never part of an answer.
 */
import { z } from 'zod';
import { timestamp } from './response-primitives';

export const hostSchema = z
  .strictObject({
    name: z.string(),
    address: z.string().meta({ description: "The agent's RPC address, http(s)://ADDR:PORT." }),
    tls: z.boolean(),
    labels: z.record(z.string(), z.string()),
    pool: z.string().meta({ description: 'labels.pool, or "default".' }),
    capacity: z.number().int().nullable().meta({ description: 'The most instances it may run (null: no limit).' }),
    draining: z.boolean().meta({ description: 'No new instances are placed here.' }),
    state: z.enum(['pending', 'ready', 'unreachable', 'draining']).meta({ description: "From the control plane's heartbeats; pending: never heard from." }),
    stateChangedAt: timestamp.nullable(),
    lastHeartbeatAt: timestamp.nullable(),
    lastError: z.string().nullable(),
    observed: z
      .strictObject({ cpus: z.number(), memoryMb: z.number(), instances: z.number().int() })
      .nullable()
      .meta({ description: 'What its agent last reported.' }),
    createdBy: z.string(),
    createdAt: timestamp,
  })
  .meta({ title: 'Host' });

export const hostListSchema = z.strictObject({ hosts: z.array(hostSchema) }).meta({ title: 'Hosts' });
