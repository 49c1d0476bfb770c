/**
 * The layer rules of ./layers.ts and zero import cycles, over the real module graph of lib/,
 * app/ and components/. A failure lists every offending import as `file:line → target`.
 * Alone: `npm run lint:layers`.
 */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { buildImportGraph, findCycles, formatEdge, importsOf, type ImportEdge, type ImportGraph } from './import-graph';
import { CHECKED_DIRS, layerViolations } from './layers';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('the module graph of lib/, app/ and components/', () => {
  const graph = buildImportGraph(ROOT, CHECKED_DIRS);

  it('has no import cycle (type-only imports count)', () => {
    const cycles = findCycles(graph).map((loop, i) => `cycle ${i + 1}:\n    ${loop.map(formatEdge).join('\n    ')}`);
    expect(cycles, `import cycles:\n  ${cycles.join('\n  ')}`).toEqual([]);
  });

  it('keeps every layer to what it may import', () => {
    const byRule = new Map<string, string[]>();
    for (const v of layerViolations(graph)) byRule.set(v.rule, [...(byRule.get(v.rule) ?? []), formatEdge(v.edge)]);
    const report = [...byRule].map(([rule, edges]) => `${rule}:\n    ${edges.join('\n    ')}`);
    expect(report, `layer violations:\n  ${report.join('\n  ')}`).toEqual([]);
  });
});

describe('the checker itself', () => {
  const edge = (from: string, to: string | null, o: Partial<ImportEdge> = {}): ImportEdge => ({ from, to, specifier: to ?? o.pkg ?? '', pkg: null, typeOnly: false, line: 1, ...o });
  const graphOf = (edges: ImportEdge[]): ImportGraph => {
    const g: ImportGraph = new Map();
    for (const e of edges) {
      g.set(e.from, [...(g.get(e.from) ?? []), e]);
      if (e.to && !g.has(e.to)) g.set(e.to, []);
    }
    return g;
  };

  it('reads every kind of import, and which are for types only', () => {
    const src = [
      "import a from './a';",
      "import type { B } from './b';",
      "import { type C, type D } from './c';",
      "import { type E, f } from './e';",
      "export { g } from './g';",
      "export type { H } from './h';",
      "const i = await import('./i');",
      "let j: typeof import('./j');",
    ].join('\n');
    expect(importsOf('x.ts', src).map((i) => `${i.specifier}${i.typeOnly ? ':type' : ''}`)).toEqual(['./a', './b:type', './c:type', './e', './g', './h:type', './i', './j:type']);
  });

  it('finds a cycle closed by a type-only import, and names the loop', () => {
    const g = graphOf([edge('lib/x/a.ts', 'lib/x/b.ts'), edge('lib/x/b.ts', 'lib/x/c.ts'), edge('lib/x/c.ts', 'lib/x/a.ts', { typeOnly: true }), edge('lib/x/c.ts', 'lib/y/d.ts')]);
    expect(findCycles(g).map((loop) => loop.map((e) => `${e.from}>${e.to}`))).toEqual([['lib/x/a.ts>lib/x/b.ts', 'lib/x/b.ts>lib/x/c.ts', 'lib/x/c.ts>lib/x/a.ts']]);
    expect(findCycles(graphOf([edge('lib/x/a.ts', 'lib/x/b.ts'), edge('lib/x/b.ts', 'lib/y/d.ts')]))).toEqual([]);
  });

  it('reports an engine file importing a database module or a package other than zod, but not its tests', () => {
    const g = graphOf([
      edge('lib/engine/plan.ts', 'lib/engine/types.ts'),
      edge('lib/engine/plan.ts', 'lib/errors/app-error.ts'),
      edge('lib/engine/plan.ts', null, { pkg: 'zod' }),
      edge('lib/engine/plan.ts', 'lib/db/client.ts'),
      edge('lib/engine/plan.ts', null, { pkg: 'node:fs' }),
      edge('lib/engine/plan.test.ts', null, { pkg: 'vitest' }),
      edge('lib/engine/plan.test.ts', 'lib/testing/db.ts'),
    ]);
    expect(layerViolations(g).map((v) => `${v.edge.from}>${v.edge.to ?? v.edge.pkg}`)).toEqual(['lib/engine/plan.ts>lib/db/client.ts', 'lib/engine/plan.ts>node:fs']);
  });

  it('reports a page importing the database instead of the service layer', () => {
    const g = graphOf([edge('app/page.tsx', 'lib/services/index.ts'), edge('app/page.tsx', 'lib/db/client.ts', { typeOnly: true }), edge('components/x.tsx', 'lib/deploy/worker.ts')]);
    expect(layerViolations(g).map((v) => `${v.edge.from}>${v.edge.to}`)).toEqual(['app/page.tsx>lib/db/client.ts', 'components/x.tsx>lib/deploy/worker.ts']);
  });
});
