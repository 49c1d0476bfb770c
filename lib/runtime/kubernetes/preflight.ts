/**
 * Preflight for Kubernetes: a version's required config keys may come from its own env or from
 * the ConfigMaps and Secrets its pods load (envFrom). The checks are pure; `configSources` reads
 * the keys those objects hold (reads only: nothing is applied before the preflight passes).
 */
import type { ConfigSource, RuntimePreflight } from '../types';
import { CONFIGMAPS, SECRETS, resourcePath, type KubeClient, type ResourceRef } from './client';
import type { KubeObject } from './objects';

/** How long one read of the preflight may take before it counts as the cluster not answering. */
const PREFLIGHT_TIMEOUT_MS = 2000;

export interface ConfigSources {
  /** Keys the version sets itself (its config). */
  env: Record<string, string>;
  /** Keys of each referenced ConfigMap, by name; null when the ConfigMap does not exist. */
  configMaps?: Record<string, string[] | null>;
  /** Keys of each referenced Secret, by name; null when the Secret does not exist. */
  secrets?: Record<string, string[] | null>;
}

export interface PreflightResult {
  /** Required keys no source provides, sorted. */
  missing: string[];
  /** Referenced ConfigMaps and Secrets that do not exist, as "ConfigMap/name" / "Secret/name". */
  missingSources: string[];
}

/**
 * The required keys nothing provides. A key set to the empty string in the version's own env
 * counts as missing (that is how a forgotten secret usually arrives), unless a ConfigMap or
 * Secret provides it.
 */
export function missingKubernetesConfig(required: string[], sources: ConfigSources): PreflightResult {
  const provided = new Set(Object.entries(sources.env).filter(([, v]) => v !== '').map(([k]) => k));
  const missingSources: string[] = [];
  for (const [kind, map] of [['ConfigMap', sources.configMaps], ['Secret', sources.secrets]] as const) {
    for (const [name, keys] of Object.entries(map ?? {})) {
      if (keys === null) missingSources.push(`${kind}/${name}`);
      else for (const k of keys) provided.add(k);
    }
  }
  const missing = [...new Set(required.filter((k) => !provided.has(k)))].sort();
  return { missing, missingSources: missingSources.sort() };
}

/** The keys of each ConfigMap and Secret a version loads (null: it does not exist). Reads only. */
export async function configSources(client: KubeClient, namespace: string, refs: ConfigSource[]): Promise<Pick<ConfigSources, 'configMaps' | 'secrets'>> {
  const keysOf = async (ref: ResourceRef & { name: string }) => {
    const o = await client.request<KubeObject>('GET', 'get', ref, resourcePath(ref), { allowNotFound: true, timeoutMs: PREFLIGHT_TIMEOUT_MS });
    return o ? [...new Set([...Object.keys(o.data ?? {}), ...Object.keys(o.binaryData ?? {}), ...Object.keys(o.stringData ?? {})])] : null;
  };
  const configMaps: Record<string, string[] | null> = {};
  const secrets: Record<string, string[] | null> = {};
  // All at once, each briefly: a deployment may be created inside a database transaction that must stay short.
  await Promise.all(
    refs.map(async (r) => {
      if ('configMap' in r) configMaps[r.configMap] = await keysOf({ ...CONFIGMAPS, namespace, name: r.configMap });
      else secrets[r.secret] = await keysOf({ ...SECRETS, namespace, name: r.secret });
    }),
  );
  return { configMaps, secrets };
}

/** The runtime's preflight answer from what the cluster holds: missing keys, and sources that do not exist. */
export function runtimePreflight(input: ConfigSources & { required: string[]; namespace: string }): RuntimePreflight {
  const r = missingKubernetesConfig(input.required, input);
  const problems = r.missingSources.map((s) => `${s.replace('/', ' ')} does not exist in namespace ${input.namespace} (the version loads its environment from it)`);
  return { missingConfigKeys: r.missing, problems, warnings: [] };
}
