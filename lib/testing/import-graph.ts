/**
 * The project's module graph as TypeScript resolves it (the `@/` alias, extensionless paths,
 * index files), every import counted: `import type`, `export … from`, `import('…')` and
 * `typeof import('…')` alike, because a type-only edge still ties two modules' designs together.
 * The layer rules (./layers.ts) and the cycle check run over this graph.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import ts from 'typescript';

export interface ImportEdge {
  /** The importing file, relative to the repository root with forward slashes. */
  from: string;
  /** The specifier as written. */
  specifier: string;
  /** The imported project file (repository-relative), or null for a package or a built-in. */
  to: string | null;
  /** The package name (`zod`, `@prisma/client`, `node:fs`) when `to` is null. */
  pkg: string | null;
  typeOnly: boolean;
  line: number;
}

export type ImportGraph = Map<string, ImportEdge[]>;

/** Generated code is a node of the graph (others import it) but is not read. */
const SKIP = ['lib/db/generated/'];

function listSources(root: string, dirs: string[]): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const r = `${rel}/${e.name}`;
      if (SKIP.some((s) => `${r}/`.startsWith(s))) continue;
      if (e.isDirectory()) walk(r);
      else if (/\.(ts|tsx|mts)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(r);
    }
  };
  for (const d of dirs) walk(d);
  return out.sort();
}

function compilerOptions(root: string): ts.CompilerOptions {
  const file = path.join(root, 'tsconfig.json');
  const { config, error } = ts.readConfigFile(file, ts.sys.readFile);
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  return ts.parseJsonConfigFileContent(config, ts.sys, root, undefined, file).options;
}

function packageName(specifier: string): string {
  if (specifier.startsWith('node:')) return specifier;
  if (isBuiltin(specifier)) return `node:${specifier.split('/')[0]}`;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** Every module specifier in a source file, with whether the import is for types only. */
export function importsOf(fileName: string, text: string): Array<{ specifier: string; typeOnly: boolean; line: number }> {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, fileName.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const found: Array<{ specifier: string; typeOnly: boolean; line: number }> = [];
  const add = (lit: ts.Node | undefined, typeOnly: boolean) => {
    if (lit && ts.isStringLiteralLike(lit)) found.push({ specifier: lit.text, typeOnly, line: sf.getLineAndCharacterOfPosition(lit.getStart(sf)).line + 1 });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) {
      const c = node.importClause;
      // `import { type A, type B }` is as type-only as `import type { A, B }`: both are erased.
      const named = c?.namedBindings && ts.isNamedImports(c.namedBindings) ? c.namedBindings.elements : null;
      const typeOnly = !!c && (c.isTypeOnly || (!c.name && !!named && named.length > 0 && named.every((e) => e.isTypeOnly)));
      add(node.moduleSpecifier, typeOnly);
    } else if (ts.isExportDeclaration(node)) {
      const named = node.exportClause && ts.isNamedExports(node.exportClause) ? node.exportClause.elements : null;
      add(node.moduleSpecifier, node.isTypeOnly || (!!named && named.length > 0 && named.every((e) => e.isTypeOnly)));
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node.arguments[0], false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** Reads and resolves every source file under `dirs` (repository-relative folders). */
export function buildImportGraph(root: string, dirs: string[]): ImportGraph {
  const options = compilerOptions(root);
  const cache = ts.createModuleResolutionCache(root, (f) => f, options);
  const graph: ImportGraph = new Map();
  const rel = (abs: string) => path.relative(root, abs).split(path.sep).join('/');
  for (const file of listSources(root, dirs)) {
    const abs = path.join(root, file);
    const edges: ImportEdge[] = [];
    for (const imp of importsOf(file, readFileSync(abs, 'utf8'))) {
      const r = ts.resolveModuleName(imp.specifier, abs, options, ts.sys, cache).resolvedModule;
      let to = r && !r.isExternalLibraryImport && !r.resolvedFileName.includes('/node_modules/') ? rel(r.resolvedFileName) : null;
      if (!to && (imp.specifier.startsWith('.') || imp.specifier.startsWith('@/'))) {
        // Not a module TypeScript resolves: an asset (a stylesheet) the bundler loads, or a typo.
        const asset = imp.specifier.startsWith('@/') ? path.join(root, imp.specifier.slice(2)) : path.resolve(path.dirname(abs), imp.specifier);
        if (!existsSync(asset)) throw new Error(`${file}:${imp.line} imports ${imp.specifier}, which does not resolve to a file`);
        to = rel(asset);
      }
      edges.push({
        from: file,
        specifier: imp.specifier,
        to,
        pkg: to ? null : packageName(imp.specifier),
        typeOnly: imp.typeOnly,
        line: imp.line,
      });
    }
    graph.set(file, edges);
  }
  return graph;
}

/**
 * The import cycles of a graph: one per strongly connected component of two or more files
 * (or a file that imports itself), each as one concrete loop `a → b → … → a` with the edges
 * that close it, so the report names the imports to remove.
 */
export function findCycles(graph: ImportGraph): ImportEdge[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let next = 0;
  const targets = (f: string) => (graph.get(f) ?? []).filter((e) => e.to !== null && graph.has(e.to));

  // Tarjan's algorithm, iteratively (deep import chains must not overflow the call stack).
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work: Array<{ node: string; i: number }> = [{ node: start, i: 0 }];
    index.set(start, next);
    low.set(start, next++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const out = targets(top.node);
      if (top.i < out.length) {
        const to = out[top.i++]!.to!;
        if (!index.has(to)) {
          index.set(to, next);
          low.set(to, next++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, i: 0 });
        } else if (onStack.has(to)) {
          low.set(top.node, Math.min(low.get(top.node)!, index.get(to)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(top.node)!));
      if (low.get(top.node) === index.get(top.node)) {
        const comp: string[] = [];
        let n: string;
        do {
          n = stack.pop()!;
          onStack.delete(n);
          comp.push(n);
        } while (n !== top.node);
        if (comp.length > 1 || targets(top.node).some((e) => e.to === top.node)) components.push(comp);
      }
    }
  }

  // For each component, the shortest loop through its first file (breadth-first, inside it).
  return components.map((comp) => {
    const members = new Set(comp);
    const first = [...comp].sort()[0]!;
    const via = new Map<string, ImportEdge>();
    const queue = [first];
    let closing: ImportEdge | null = null;
    for (let q = 0; q < queue.length && !closing; q++) {
      for (const e of targets(queue[q]!)) {
        if (!members.has(e.to!)) continue;
        if (e.to === first) {
          closing = e;
          break;
        }
        if (!via.has(e.to!)) {
          via.set(e.to!, e);
          queue.push(e.to!);
        }
      }
    }
    const loop: ImportEdge[] = [closing!];
    for (let at = closing!.from; at !== first; at = via.get(at)!.from) loop.unshift(via.get(at)!);
    return loop;
  });
}

export function formatEdge(e: ImportEdge): string {
  return `${e.from}:${e.line} → ${e.to ?? e.pkg}${e.typeOnly ? ' (type-only)' : ''}`;
}
