/**
 * Server-side apply for the double: field ownership kept in metadata.managedFields (FieldsV1),
 * conflicts when a field another manager owns would change value (unless forced), and fields
 * a manager stops applying removed. Maps merge key by key; lists are atomic (one field), which
 * is coarser than the real server's associative lists but enforces the same rule for the
 * fields Flightdeck writes.
 */
import type { Obj } from './store';

type Path = string[];
const IGNORED_TOP = new Set(['apiVersion', 'kind', 'status']);
const IGNORED_META = new Set(['name', 'namespace', 'resourceVersion', 'uid', 'creationTimestamp', 'generation', 'managedFields', 'deletionTimestamp']);

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The leaf fields a config sets, e.g. ["spec","replicas"], ["metadata","labels","app"]. */
export function leaves(config: Obj): Path[] {
  const out: Path[] = [];
  const walk = (v: unknown, path: Path) => {
    if (isMap(v) && Object.keys(v).length > 0) {
      for (const [k, child] of Object.entries(v)) {
        if (path.length === 0 && IGNORED_TOP.has(k)) continue;
        if (path.length === 1 && path[0] === 'metadata' && IGNORED_META.has(k)) continue;
        walk(child, [...path, k]);
      }
    } else if (path.length > 0) out.push(path);
  };
  walk(config, []);
  return out;
}

export function getPath(obj: Obj, path: Path): unknown {
  let v: unknown = obj;
  for (const k of path) {
    if (!isMap(v)) return undefined;
    v = v[k];
  }
  return v;
}

function setPath(obj: Obj, path: Path, value: unknown): void {
  let v = obj;
  for (const k of path.slice(0, -1)) {
    if (!isMap(v[k])) v[k] = {};
    v = v[k];
  }
  v[path[path.length - 1]!] = structuredClone(value);
}

function deletePath(obj: Obj, path: Path): void {
  const parents: Array<[Obj, string]> = [];
  let v = obj;
  for (const k of path.slice(0, -1)) {
    if (!isMap(v[k])) return;
    parents.push([v, k]);
    v = v[k];
  }
  delete v[path[path.length - 1]!];
  // Drop maps the removal left empty.
  for (const [parent, k] of parents.reverse()) {
    if (isMap(parent[k]) && Object.keys(parent[k]).length === 0) delete parent[k];
    else break;
  }
}

const key = (p: Path) => JSON.stringify(p);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function toFieldsV1(paths: Path[]): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const p of paths) {
    let node = root;
    for (const k of p) node = (node[`f:${k}`] ??= {}) as Record<string, unknown>;
  }
  return root;
}

function fromFieldsV1(f: Record<string, unknown>, prefix: Path = []): Path[] {
  const out: Path[] = [];
  for (const [k, v] of Object.entries(f)) {
    if (!k.startsWith('f:')) continue;
    const p = [...prefix, k.slice(2)];
    const children = isMap(v) ? fromFieldsV1(v, p) : [];
    if (children.length === 0) out.push(p);
    else out.push(...children);
  }
  return out;
}

interface Owner {
  manager: string;
  operation: 'Apply' | 'Update';
  paths: Path[];
}

function owners(obj: Obj | undefined): Owner[] {
  return (obj?.metadata?.managedFields ?? []).map((m: Obj) => ({ manager: m.manager, operation: m.operation, paths: fromFieldsV1(m.fieldsV1 ?? {}) }));
}

function writeOwners(obj: Obj, list: Owner[], apiVersion: string, now: string): void {
  obj.metadata.managedFields = list
    .filter((o) => o.paths.length > 0)
    .map((o) => ({ manager: o.manager, operation: o.operation, apiVersion, time: now, fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(o.paths) }));
}

export interface Conflict {
  manager: string;
  path: string;
}

export class ApplyConflict extends Error {
  constructor(
    readonly conflicts: Conflict[],
    apiVersion: string,
  ) {
    super(
      `Apply failed with ${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'}: ${conflicts
        .map((c) => `conflict with "${c.manager}" using ${apiVersion}: ${c.path}`)
        .join('; ')}`,
    );
  }
}

/**
 * The object after `manager` applies `config` over `existing` (undefined: create). Throws
 * ApplyConflict when another manager owns a field whose value would change, unless `force`.
 */
export function serverSideApply(existing: Obj | undefined, config: Obj, manager: string, force: boolean, now: string): Obj {
  const applied = leaves(config);
  const appliedKeys = new Set(applied.map(key));
  const list = owners(existing);
  const conflicts: Conflict[] = [];
  for (const o of list) {
    if (o.manager === manager) continue;
    for (const p of o.paths) {
      if (appliedKeys.has(key(p)) && existing && !same(getPath(existing, p), getPath(config, p))) {
        conflicts.push({ manager: o.manager, path: `.${p.join('.')}` });
      }
    }
  }
  if (conflicts.length && !force) throw new ApplyConflict(conflicts, config.apiVersion);
  const result: Obj = existing ? structuredClone(existing) : { apiVersion: config.apiVersion, kind: config.kind, metadata: { name: config.metadata.name } };
  const mine = list.find((o) => o.manager === manager && o.operation === 'Apply');
  const ownedByOthers = new Set(list.filter((o) => o !== mine).flatMap((o) => o.paths.map(key)));
  // Fields this manager applied before and no longer applies go, unless someone else owns them too.
  for (const p of mine?.paths ?? []) if (!appliedKeys.has(key(p)) && !ownedByOthers.has(key(p))) deletePath(result, p);
  for (const p of applied) setPath(result, p, getPath(config, p));
  const conflicted = new Set(conflicts.map((c) => `${c.manager}\0${c.path}`));
  const next: Owner[] = list
    .filter((o) => o !== mine)
    .map((o) => ({ ...o, paths: o.paths.filter((p) => !conflicted.has(`${o.manager}\0.${p.join('.')}`)) }));
  next.push({ manager, operation: 'Apply', paths: applied });
  writeOwners(result, next, config.apiVersion, now);
  return result;
}

/** Ownership after a non-apply write (create, update, patch) by `manager`: it takes every field it changed. */
export function recordUpdate(before: Obj | undefined, after: Obj, manager: string, now: string): Obj {
  const changed = leaves(after).filter((p) => !before || !same(getPath(before, p), getPath(after, p)));
  const changedKeys = new Set(changed.map(key));
  const list = owners(before).map((o) => ({ ...o, paths: o.paths.filter((p) => !changedKeys.has(key(p))) }));
  let entry = list.find((o) => o.manager === manager && o.operation === 'Update');
  if (!entry) list.push((entry = { manager, operation: 'Update', paths: [] }));
  const have = new Set(entry.paths.map(key));
  entry.paths.push(...changed.filter((p) => !have.has(key(p))));
  const out = structuredClone(after);
  writeOwners(out, list, after.apiVersion, now);
  return out;
}
