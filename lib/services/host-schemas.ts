/**
 * Request schemas for fleet hosts (a service's placement is in schemas.ts).
 */
import { z } from 'zod';
import { poolName, slug } from './schemas';

const labelKey = z.string().regex(/^[a-z0-9]([a-z0-9._/-]{0,61}[a-z0-9])?$/, 'must be a label key: lowercase letters, digits, ".", "_", "/", "-"');
const labelValue = z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/, 'must be a label value: letters, digits, ".", "_", "-" (1-63)');

const agentAddress = z
  .string()
  .regex(/^https?:\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'must be the agent address http(s)://ADDR:PORT (as `flightdeck agent --listen` prints it)');

const hostFields = {
  address: agentAddress,
  /** The token the agent was started with (its --token-file). */
  token: z.string().min(16, 'the agent token must have at least 16 characters').max(512).regex(/^\S+$/, 'the agent token has no spaces'),
  /** PEM of the CA (or self-signed certificate) of an https agent. */
  caCert: z.string().includes('-----BEGIN CERTIFICATE-----', { message: 'must be a PEM certificate' }).max(20_000).nullable(),
  /** `pool` places the host in a pool (default "default"). */
  labels: z.record(labelKey, labelValue).refine((l) => l.pool === undefined || poolName.safeParse(l.pool).success, 'labels.pool must be a pool name: lowercase letters, digits, dashes'),
  /** The most instances it may run; null: no limit. */
  capacity: z.number().int('capacity must be an integer').min(1).max(10_000).nullable(),
  /** No new instances here (what runs stays until deployments move it). */
  draining: z.boolean(),
};

export const registerHostSchema = z
  .object({
    name: slug,
    ...hostFields,
    caCert: hostFields.caCert.optional(),
    labels: hostFields.labels.default({}),
    capacity: hostFields.capacity.optional(),
    draining: hostFields.draining.default(false),
  })
  .strict();
export type RegisterHostInput = z.input<typeof registerHostSchema>;

export const updateHostSchema = z.object(hostFields).partial().strict();
