/**
 * The runtimes' Prometheus text, one exposition for every environment: each sample gets an
 * `environment` label, and each metric family's HELP and TYPE lines appear once.
 */
import type { Db } from '../db/client';
import type { EnvironmentTarget } from '../runtime/registry';
import type { RuntimeExtras } from '../runtime/types';
import { listEnvironmentRows } from './environments';

function labelled(text: string, environment: string): string[] {
  const env = `environment="${environment.replace(/["\\\n]/g, '')}"`;
  return text.split('\n').map((line) => {
    if (line === '' || line.startsWith('#')) return line;
    const brace = line.indexOf('{');
    const space = line.indexOf(' ');
    if (brace >= 0 && (space < 0 || brace < space)) return `${line.slice(0, brace + 1)}${env},${line.slice(brace + 1)}`;
    return space < 0 ? line : `${line.slice(0, space)}{${env}}${line.slice(space)}`;
  });
}

export async function runtimeMetricsText(db: Db, runtimeFor: (env: EnvironmentTarget) => RuntimeExtras | null): Promise<string> {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const env of await listEnvironmentRows(db)) {
    const runtime = runtimeFor(env);
    const text = runtime?.metricsText ? await runtime.metricsText().catch(() => '') : (runtime?.prometheusText?.() ?? '');
    for (const line of labelled(text, env.name)) {
      if (line === '') continue;
      if (line.startsWith('#')) {
        if (seen.has(line)) continue;
        seen.add(line);
      }
      out.push(line);
    }
  }
  return out.length ? `${out.join('\n')}\n` : '';
}
