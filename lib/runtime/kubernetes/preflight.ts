/**
 * Preflight for Kubernetes: a version's required config keys may come from its own env or from
 * the ConfigMaps and Secrets its pods load (envFrom). Pure: the caller reads the keys those
 * objects hold; this only says which required keys nothing provides.
 */

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
