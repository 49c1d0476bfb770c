/**
 * The layers of Flightdeck's code and what each may import, checked over the whole module
 * graph by layers.test.ts (inside `npm test`; alone: `npm run lint:layers`).
 *
 * The rules bind production code. Tests and test support (`*.test.ts`, lib/testing/,
 * lib/engine/test-utils.ts) may reach into any layer to set a scene, and lib/bench is a
 * development tool in the same position; their imports still count for cycles.
 */
import type { ImportEdge, ImportGraph } from './import-graph';

/** The folders whose modules must form no import cycle (type-only imports included). */
export const CHECKED_DIRS = ['lib', 'app', 'components'];

export interface LayerRule {
  /** The rule in words, printed with every violation. */
  rule: string;
  /** Folders (repository-relative, with a trailing slash) of the files it binds. */
  files: string[];
  /** When set: the only project folders these files may import (their own folder is implied). */
  allowProject?: string[];
  /** When set: the only packages these files may import (`node:*` built-ins are packages too). */
  allowPackages?: string[];
  /** Project folders these files must never import. */
  deny?: string[];
}

export const LAYER_RULES: LayerRule[] = [
  {
    rule: 'lib/engine is pure: it imports only the engine, lib/errors and zod (no I/O, no clock, no database)',
    files: ['lib/engine/'],
    allowProject: ['lib/engine/', 'lib/errors/'],
    allowPackages: ['zod'],
  },
  {
    rule: 'lib/errors is the leaf every layer (the engine included) builds on: it imports no other project module',
    files: ['lib/errors/'],
    allowProject: ['lib/errors/'],
  },
  {
    rule: 'lib/deploy (the orchestrator) never calls the use cases in lib/services; what it needs from them is injected',
    files: ['lib/deploy/'],
    deny: ['lib/services/'],
  },
  {
    rule: 'lib/services (the use cases) never import the orchestrator in lib/deploy; both share the deployment state module',
    files: ['lib/services/'],
    deny: ['lib/deploy/'],
  },
  {
    rule:
      'app/ and components/ reach data only through lib/services (or the REST API): besides themselves they import only ' +
      'lib/services, lib/api (route handler plumbing), lib/auth (who is signed in), lib/engine (pure rules), lib/errors, lib/panel and lib/clock',
    files: ['app/', 'components/'],
    allowProject: ['app/', 'components/', 'lib/services/', 'lib/api/', 'lib/auth/', 'lib/engine/', 'lib/errors/', 'lib/panel/', 'lib/clock/'],
  },
  {
    rule: 'production code never depends on test support (lib/testing) or the benchmarks (lib/bench)',
    files: ['lib/', 'app/', 'components/'],
    deny: ['lib/testing/', 'lib/bench/'],
  },
];

/** Test files and test support: exempt from the layer rules (not from the cycle check). */
export function isTestSupport(file: string): boolean {
  return /\.test\.tsx?$/.test(file) || file.startsWith('lib/testing/') || file.startsWith('lib/bench/') || file === 'lib/engine/test-utils.ts';
}

export interface LayerViolation {
  rule: string;
  edge: ImportEdge;
}

const under = (file: string, dirs: string[]) => dirs.some((d) => file.startsWith(d));

export function layerViolations(graph: ImportGraph, rules: LayerRule[] = LAYER_RULES): LayerViolation[] {
  const out: LayerViolation[] = [];
  for (const [file, edges] of graph) {
    if (isTestSupport(file)) continue;
    for (const r of rules) {
      if (!under(file, r.files)) continue;
      const own = r.files.filter((d) => file.startsWith(d));
      for (const e of edges) {
        const bad =
          e.to !== null
            ? (r.allowProject !== undefined && !under(e.to, [...own, ...r.allowProject])) || (r.deny !== undefined && under(e.to, r.deny))
            : r.allowPackages !== undefined && !r.allowPackages.includes(e.pkg!);
        if (bad) out.push({ rule: r.rule, edge: e });
      }
    }
  }
  return out;
}
