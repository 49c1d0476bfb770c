/**
 * Preflight checks that refuse a deployment before anything is touched.
 */

/**
 * The required config keys a version lacks: absent, or set to the empty string (an empty
 * value is how a forgotten secret usually arrives). Sorted and de-duplicated, ready to be
 * named in the refusal.
 */
export function missingConfigKeys(required: string[], config: Record<string, string>): string[] {
  const missing = required.filter((key) => !Object.hasOwn(config, key) || config[key] === '');
  return [...new Set(missing)].sort();
}
