/**
 * Service dependency graph: `graph[service]` lists the services it depends on (they must be
 * deployed first). The graph must be a DAG; a cycle is rejected with an error naming it.
 */
import { AppError } from '../errors/app-error';

type Graph = Record<string, string[]>;

function depsOf(graph: Graph, node: string): string[] {
  // Own keys only: a service called "constructor" must not pick up Object.prototype members.
  return Object.hasOwn(graph, node) ? [...(graph[node] ?? [])].sort() : [];
}

/**
 * A dependency cycle as a path that repeats its start at the end (['a', 'b', 'c', 'a']), or null.
 * Deterministic: nodes and their dependencies are explored in sorted order, and the first cycle
 * met is returned. Dependencies that are not keys of the graph are nodes without dependencies.
 */
export function findCycle(graph: Graph): string[] | null {
  const done = new Set<string>(); // fully explored: no cycle through them
  const path: string[] = []; // the current DFS path
  const onPath = new Set<string>();

  const visit = (node: string): string[] | null => {
    if (done.has(node)) return null;
    if (onPath.has(node)) return [...path.slice(path.indexOf(node)), node];
    path.push(node);
    onPath.add(node);
    for (const dep of depsOf(graph, node)) {
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    path.pop();
    onPath.delete(node);
    done.add(node);
    return null;
  };

  for (const node of Object.keys(graph).sort()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return null;
}

export function assertAcyclic(graph: Graph): void {
  const cycle = findCycle(graph);
  if (cycle) {
    throw new AppError('invalid', `dependency cycle: ${cycle.join(' → ')}`, { cycle });
  }
}

/**
 * Deployment waves for a multi-service release: every service comes after the services it
 * depends on (among those being released — dependencies outside the set are already live),
 * and services in one wave do not depend on each other, so a wave can run in parallel.
 * Each service lands in the earliest wave possible; names are sorted within a wave.
 */
export function dependencyWaves(services: string[], graph: Graph): string[][] {
  const members = [...new Set(services)].sort();
  const inSet = new Set(members);
  const restricted: Graph = {};
  for (const service of members) restricted[service] = depsOf(graph, service).filter((d) => inSet.has(d));
  assertAcyclic(restricted);

  const waves: string[][] = [];
  const placed = new Set<string>();
  let pending = members;
  while (pending.length > 0) {
    // Acyclic, so at least one pending service has all its dependencies placed.
    const wave = pending.filter((s) => (restricted[s] ?? []).every((d) => placed.has(d)));
    wave.forEach((s) => placed.add(s));
    waves.push(wave);
    pending = pending.filter((s) => !placed.has(s));
  }
  return waves;
}
