/**
 * FLIGHTDECK_RUNTIME=kubernetes: one KubernetesRuntime per environment, made from that
 * environment's `runtime` settings (namespace, kubeconfig context, Gateway, Prometheus) over the
 * process-wide defaults. Environments are data: when an environment's settings change, its next
 * use gets a runtime built from the new ones (the old one's watches are stopped). A caller that
 * names only the environment gets the runtime that environment already has.
 */
import type { EnvironmentTarget, RuntimeResolver } from '../registry';
import type { Runtime, RuntimeExtras } from '../types';
import { kubernetesDefaultsFromEnv, kubernetesOptionsFor, loadKubeConfig, type KubernetesRuntimeOptions } from './config';
import { KubernetesRuntime } from './driver';

export interface KubernetesResolver extends RuntimeResolver {
  /** Stops every runtime's watches (shutdown). */
  close(): void;
}

export function kubernetesResolver(
  env: Record<string, string | undefined>,
  opts: { extra?: Partial<KubernetesRuntimeOptions>; load?: typeof loadKubeConfig } = {},
): KubernetesResolver {
  const defaults = kubernetesDefaultsFromEnv(env);
  const made = new Map<string, { key: string; runtime: KubernetesRuntime }>();
  const resolve = (target: EnvironmentTarget): Runtime & RuntimeExtras => {
    const have = made.get(target.name);
    if (have && target.runtime === undefined) return have.runtime;
    const key = JSON.stringify(target.runtime ?? {});
    if (have?.key === key) return have.runtime;
    have?.runtime.close();
    const runtime = new KubernetesRuntime({ ...kubernetesOptionsFor(target.runtime, defaults, opts.load), ...opts.extra });
    made.set(target.name, { key, runtime });
    return runtime;
  };
  return Object.assign(resolve, {
    close() {
      for (const { runtime } of made.values()) runtime.close();
      made.clear();
    },
  });
}
