/**
 * Request schemas for environments, freeze windows, approvals and promotion.
 */
import { z } from 'zod';
import { slug, strategyName } from './schemas';
import { gatewayInput, prometheusSettings } from '../runtime/kubernetes/spec';

/** Where an environment runs, for the runtime that serves it. */
export const environmentRuntimeSchema = z
  .object({
    driver: z.enum(['local', 'kubernetes', 'fleet', 'simulated']).optional(),
    /** Kubernetes: the namespace (default: one per service). */
    namespace: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a Kubernetes namespace name').optional(),
    /** Kubernetes: the kubeconfig context to use. */
    context: z.string().min(1).max(253).optional(),
    /** Kubernetes: the Gateway the HTTPRoutes attach to; without one, canary weights are approximated by replica ratio. */
    gateway: gatewayInput.optional().meta({ description: 'Kubernetes: the Gateway (Gateway API) whose HTTPRoutes split traffic by weight, e.g. {"name":"public","namespace":"gateways","hostnames":["pay.example.com"]}.' }),
    /** Kubernetes: where request counts per version come from (canary samples, the panel's traffic). */
    prometheus: prometheusSettings
      .optional()
      .meta({ description: 'Kubernetes: the Prometheus that counts requests per version; requests/errors are PromQL templated with {{service}}, {{namespace}}, {{version}}, {{versionId}}, {{window}}.' }),
    /** Fleet: the host pool. */
    pool: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a pool name: lowercase letters, digits, dashes').optional(),
  })
  .strict();

const environmentFields = {
  order: z.number().int('order must be an integer').min(0).max(1_000_000),
  description: z.string().max(2000),
  protected: z.boolean(),
  requiredApprovals: z.number().int().min(0).max(10),
  soakMinutes: z.number().int().min(0).max(60 * 24 * 30),
  approvalTtlHours: z.number().int().min(1).max(24 * 30),
  strategy: strategyName.nullable(),
  runtime: environmentRuntimeSchema,
};

export const createEnvironmentSchema = z
  .object({
    name: slug,
    ...environmentFields,
    description: environmentFields.description.default(''),
    protected: environmentFields.protected.default(false),
    requiredApprovals: environmentFields.requiredApprovals.optional(),
    soakMinutes: environmentFields.soakMinutes.default(0),
    approvalTtlHours: environmentFields.approvalTtlHours.default(24),
    strategy: environmentFields.strategy.default(null),
    runtime: environmentFields.runtime.default({}),
  })
  .strict();
export type CreateEnvironmentInput = z.input<typeof createEnvironmentSchema>;

export const updateEnvironmentSchema = z.object(environmentFields).partial().strict();

const isoTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time with a zone, e.g. 2026-12-24T00:00:00Z' });

export const createFreezeWindowSchema = z
  .object({
    reason: z.string().trim().min(1, 'a freeze window needs a reason').max(500),
    /** One-off: from … until. */
    startsAt: isoTime.optional(),
    endsAt: isoTime.optional(),
    /** Recurring: a cron expression (5 fields, minute first) opening the window, for durationMinutes, in timeZone. */
    cron: z.string().min(1).max(200).optional(),
    durationMinutes: z.number().int().min(1).max(60 * 24 * 31).optional(),
    timeZone: z.string().min(1).max(100).default('UTC'),
    environments: z.array(slug).max(50).default([]),
    services: z.array(slug).max(500).default([]),
  })
  .strict();
export type CreateFreezeWindowInput = z.input<typeof createFreezeWindowSchema>;

export const decisionSchema = z.object({ comment: z.string().max(2000).default('') }).strict();

export const promoteSchema = z
  .object({
    /** The version to promote; default: the version live in the environment before `to`. */
    version: z.string().min(1).max(100).optional(),
    /** The environment to promote into; default: the one after the version's latest environment. */
    to: slug.optional(),
    dryRun: z.boolean().default(false),
    override: z.union([z.boolean(), z.object({ reason: z.string().trim().min(1).max(500) }).strict()]).optional(),
  })
  .strict();
