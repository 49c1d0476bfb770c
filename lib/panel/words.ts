/**
 * The panel's one vocabulary: how a deployment, a version change and a canary step are named
 * on every page, so the same thing never reads two ways ("nothing → v3.0.0", never "∅ → v3.0.0").
 */

/** "v2.2.0 → v2.3.0"; a first deployment comes from "nothing". */
export function versionArrow(from: string | null, to: string): string {
  return `${from ? `v${from}` : 'nothing'} → v${to}`;
}

/** "canary v2.2.0 → v2.3.0", "rollback v2.3.0 → v2.2.0": what a deployment does, in lower case. */
export function deploymentTitle(d: { kind: string; strategy: string; from: string | null; to: string }): string {
  return `${d.kind === 'rollback' ? 'rollback' : d.strategy} ${versionArrow(d.from, d.to)}`;
}

/** The same with a capital, to start a heading or a sentence. */
export function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** "canary step 1/2 at 10%" — the numbering the plan uses (steps below 100%, from 1). */
export function canaryStepLabel(step: { canaryStep: number; weight: number }, total: number): string {
  return `canary step ${step.canaryStep + 1}/${Math.max(total, step.canaryStep + 1)} at ${Number(step.weight.toFixed(1))}%`;
}

/** A short id people can read and search for: the first 8 characters of a uuid. */
export function shortId(id: string): string {
  return id.slice(0, 8);
}
