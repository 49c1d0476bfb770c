/**
 * The process's runtimes, one per environment, shared between the custom server and Next.js
 * route handlers (which Next bundles separately, so a module-level variable would not be
 * shared: globalThis is). Each environment may run elsewhere (another namespace, another host
 * pool): the resolver builds (and keeps) the runtime for an environment from its settings.
 */
import type { Runtime, RuntimeExtras } from './types';

export interface EnvironmentTarget {
  name: string;
  /** The environment's runtime settings ({ driver?, namespace?, pool?, … }). */
  runtime?: unknown;
}

export type RuntimeResolver = (env: EnvironmentTarget) => Runtime & RuntimeExtras;

type Global = typeof globalThis & { __flightdeckRuntimes?: RuntimeResolver };

export function setRuntimeResolver(resolve: RuntimeResolver): void {
  (globalThis as Global).__flightdeckRuntimes = resolve;
}

/** One runtime for every environment (tests, simulations). */
export function setRuntime(runtime: Runtime & RuntimeExtras): void {
  setRuntimeResolver(() => runtime);
}

export function getRuntime(env: EnvironmentTarget): (Runtime & RuntimeExtras) | null {
  return (globalThis as Global).__flightdeckRuntimes?.(env) ?? null;
}

/** Keep one runtime per environment name, made on first use. */
export function perEnvironment(make: RuntimeResolver): RuntimeResolver {
  const made = new Map<string, Runtime & RuntimeExtras>();
  return (env) => {
    let r = made.get(env.name);
    if (!r) {
      r = make(env);
      made.set(env.name, r);
    }
    return r;
  };
}
