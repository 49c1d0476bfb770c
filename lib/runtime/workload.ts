/**
 * What a runtime runs for one version of a service, built the same way for the orchestrator
 * (which starts it) and for the preflight (which checks it before anything is applied): the
 * service's template under the version's artifact, the version's config over the template's
 * environment, and the service's health policy for platforms that probe readiness themselves.
 * Pure: stored JSON in, a Workload out; malformed stored fields are left out, never guessed.
 */
import type { ConfigSource, Workload, WorkloadHealth } from './types';

export interface WorkloadSource {
  service: { name: string; template: unknown; health: WorkloadHealth; placement?: unknown };
  version: { id: string; semver: string; artifact: unknown; config: unknown };
  environment: string;
  /** The deployment that asks for it ('' for a preflight, which starts nothing). */
  deploymentId: string;
}

interface Template {
  command?: string;
  args?: string[];
  cwd?: string;
  port?: number;
  env?: Record<string, string>;
}

interface Artifact {
  command?: string;
  args?: string[];
  cwd?: string;
  image?: string;
  port?: number;
  envFrom?: unknown;
  resources?: Workload['resources'];
}

function objectOr<T extends object>(raw: unknown, fallback: T): T {
  return raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as T) : fallback;
}

function configSources(raw: unknown): ConfigSource[] {
  if (!Array.isArray(raw)) return [];
  const out: ConfigSource[] = [];
  for (const s of raw) {
    if (typeof s?.configMap === 'string') out.push({ configMap: s.configMap });
    else if (typeof s?.secret === 'string') out.push({ secret: s.secret });
  }
  return out;
}

/** The fleet placement a service asks for, if any: only the fields a runtime understands. */
function placementOf(raw: unknown): Workload['placement'] | null {
  const p = objectOr<{ pool?: unknown; onHostLoss?: unknown }>(raw, {});
  const out: NonNullable<Workload['placement']> = {};
  if (typeof p.pool === 'string' && p.pool) out.pool = p.pool;
  if (p.onHostLoss === 'pause' || p.onHostLoss === 'replace') out.onHostLoss = p.onHostLoss;
  return Object.keys(out).length ? out : null;
}

export function buildWorkload(src: WorkloadSource): Workload {
  const t = objectOr<Template>(src.service.template, {});
  const a = objectOr<Artifact>(src.version.artifact, {});
  const config = objectOr<Record<string, string>>(src.version.config, {});
  const port = typeof a.port === 'number' ? a.port : t.port;
  const envFrom = configSources(a.envFrom);
  const placement = placementOf(src.service.placement);
  return {
    service: src.service.name,
    versionId: src.version.id,
    semver: src.version.semver,
    deploymentId: src.deploymentId,
    command: a.command ?? t.command ?? '',
    args: a.args ?? t.args ?? [],
    cwd: a.cwd ?? t.cwd,
    env: { ...(t.env ?? {}), ...config, FLIGHTDECK_SERVICE: src.service.name, FLIGHTDECK_VERSION: src.version.semver, FLIGHTDECK_ENVIRONMENT: src.environment },
    healthPath: src.service.health.path,
    health: { ...src.service.health },
    ...(a.image ? { image: a.image } : {}),
    ...(port ? { port } : {}),
    ...(envFrom.length ? { envFrom } : {}),
    ...(a.resources && typeof a.resources === 'object' ? { resources: a.resources } : {}),
    ...(placement ? { placement } : {}),
  };
}
