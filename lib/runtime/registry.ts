/**
 * The process's runtime, shared between the custom server and Next.js route handlers (which
 * Next bundles separately, so a module-level variable would not be shared: globalThis is).
 */
import type { Runtime } from './types';
import type { RuntimeExtras } from './rpc';

type Global = typeof globalThis & { __flightdeckRuntime?: Runtime & RuntimeExtras };

export function setRuntime(runtime: Runtime & RuntimeExtras): void {
  (globalThis as Global).__flightdeckRuntime = runtime;
}

export function getRuntime(): (Runtime & RuntimeExtras) | null {
  return (globalThis as Global).__flightdeckRuntime ?? null;
}
