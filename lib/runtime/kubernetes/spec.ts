/**
 * What the manifest builders take, checked with zod before anything is built: a bad input is
 * refused with an error that names the field and the problem, and nothing is produced.
 */
import { z } from 'zod';
import { AppError } from '../../errors/app-error';
import { DEFAULTS } from '../../engine/types';
import { isDnsLabel, isLabelValue, isServiceName } from './names';

export const dnsLabel = (what: string) =>
  z.string().refine(isDnsLabel, { error: (iss) => `${what} ${JSON.stringify(iss.input)} is not a DNS-1123 label (1-63 lowercase letters, digits, dashes; starts and ends alphanumeric)` });

/** Environment variable names as Kubernetes accepts them and a shell can read. */
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name (letters, digits, underscore; not starting with a digit)');

/** A Kubernetes resource quantity such as 100m, 0.5, 256Mi, 1G. */
export const quantity = z
  .string()
  .regex(/^[+-]?(\d+(\.\d*)?|\.\d+)(([KMGTPE]i)|[numkMGTPE]|[eE][+-]?\d+)?$/, 'must be a Kubernetes quantity such as 100m, 0.5, 256Mi or 1G');
export const resourceList = z.record(z.string().regex(/^[a-z0-9.\-/]+$/, 'must be a resource name such as cpu or memory'), quantity);

/** An image reference: [registry[:port]/]repository[:tag][@digest], repository in lowercase. */
export const image = z
  .string()
  .min(1, 'image is required (the version artifact has no image)')
  .max(1024)
  .regex(
    /^([a-z0-9][a-z0-9.-]*(:\d+)?\/)?[a-z0-9]+([._/-]+[a-z0-9]+)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/,
    'is not a container image reference (lowercase repository, optional :tag and @sha256 digest, e.g. registry.example.com/team/app:1.2.3)',
  );

export const healthInput = z
  .object({
    path: z.string().startsWith('/', 'health path must start with /').default(DEFAULTS.health.path),
    intervalSeconds: z.number().positive().max(3600).default(DEFAULTS.health.intervalSeconds),
    timeoutSeconds: z.number().positive().max(3600).default(DEFAULTS.health.timeoutSeconds),
    healthyThreshold: z.number().int().min(1).max(100).default(DEFAULTS.health.healthyThreshold),
    unhealthyThreshold: z.number().int().min(1).max(100).default(DEFAULTS.health.unhealthyThreshold),
    gracePeriodSeconds: z.number().min(0).max(86400).default(DEFAULTS.health.gracePeriodSeconds),
  })
  .strict();

export const gatewayInput = z
  .object({
    name: dnsLabel('gateway name'),
    namespace: dnsLabel('gateway namespace').optional(),
    sectionName: dnsLabel('gateway listener (sectionName)').optional(),
    hostnames: z.array(z.string().regex(/^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'must be a DNS hostname')).max(16).optional(),
  })
  .strict();

export const versionInput = z
  .object({
    service: z.string().refine(isServiceName, {
      error: (iss) => `service name ${JSON.stringify(iss.input)} cannot name Kubernetes objects: it must be 1-63 lowercase letters, digits or dashes, start with a letter and end with a letter or digit`,
    }),
    semver: z.string().min(1, 'version is required').max(256).regex(/^\S+$/, 'version must not contain spaces'),
    versionId: z.string().refine(isLabelValue, 'version id must be a label value (≤ 63 letters, digits, -_.)').optional(),
    deploymentId: z.string().refine(isLabelValue, 'deployment id must be a label value (≤ 63 letters, digits, -_.)').optional(),
    namespace: dnsLabel('namespace'),
    image,
    port: z.number().int().min(1).max(65535).default(8080),
    env: z.record(envName, z.string()).default({}),
    /** ConfigMaps and Secrets whose keys become environment variables, in order (a later source wins a shared key). */
    envFrom: z
      .array(z.union([z.object({ configMap: dnsLabel('ConfigMap name') }).strict(), z.object({ secret: dnsLabel('Secret name') }).strict()]))
      .max(16)
      .default([]),
    resources: z.object({ requests: resourceList.optional(), limits: resourceList.optional() }).strict().optional(),
    health: healthInput.default(healthInput.parse({})),
    /** How long a stopping pod may finish its requests (terminationGracePeriodSeconds). */
    drainSeconds: z.number().int().min(0).max(3600).default(30),
  })
  .strict();

export type VersionInput = z.input<typeof versionInput>;
export type VersionSpec = z.output<typeof versionInput>;
export type GatewayRef = z.output<typeof gatewayInput>;

/** Parses with `schema` or throws AppError('invalid') naming the first problem and its field. */
export function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown, what: string): z.output<T> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  let issue = r.error.issues[0]!;
  // A bad record key reports its own reason one level down.
  if (issue.code === 'invalid_key' && issue.issues[0]) issue = { ...issue.issues[0], path: issue.path } as typeof issue;
  const where = issue.path.length ? issue.path.join('.') : what;
  const message = issue.message.startsWith(where.split('.').pop() ?? '\0') || issue.path.length === 0 ? issue.message : `${where}: ${issue.message}`;
  throw new AppError('invalid', `${what}: ${message}`, { field: where, issues: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
}

/** PromQL templates must name what they count; anything else about them is Prometheus's to judge. */
const promQl = z.string().trim().min(1, 'must be a PromQL query').max(4000);

/** Where the cluster's request counts come from (per version, for canary samples and the panel). */
export const prometheusSettings = z
  .object({
    address: z.url({ protocol: /^https?$/, error: 'prometheus.address must be an http(s) URL, e.g. http://prometheus.monitoring:9090' }),
    requests: promQl.optional(),
    errors: promQl.optional(),
  })
  .strict();

/**
 * An environment's Kubernetes settings: which kubeconfig context, which namespace (default: one
 * per service, named after it), which Gateway the HTTPRoutes attach to (none: canary weights are
 * approximated by replica ratio) and which Prometheus counts requests.
 */
export const kubernetesSettings = z
  .object({
    namespace: dnsLabel('namespace').optional(),
    context: z.string().min(1).max(253).optional(),
    gateway: gatewayInput.optional(),
    prometheus: prometheusSettings.optional(),
  })
  .strict();

export type KubernetesSettings = z.output<typeof kubernetesSettings>;
