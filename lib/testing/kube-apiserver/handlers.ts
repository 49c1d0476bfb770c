/**
 * How the API server double answers reads and writes of objects: get, list, create, update,
 * JSON merge patch, server-side apply (with preconditions and field ownership) and delete,
 * validating what it would store as the real server does.
 */
import { loadYaml } from '@kubernetes/client-node';
import { ApplyConflict, recordUpdate, serverSideApply } from './apply';
import type { PodController } from './controller';
import { kubeObjectProblems } from './schemas';
import { apiVersionOf, qualified, type Obj, type ResourceType, type Store } from './store';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

export interface Ctx {
  store: Store;
  controller: PodController;
  now: () => Date;
}

export const REASONS: Record<number, string> = { 400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 409: 'Conflict', 410: 'Expired', 422: 'Invalid', 500: 'InternalError' };

export function statusBody(code: number, message: string, details: Obj = {}): Obj {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: REASONS[code] ?? 'Unknown', details, code };
}

export class HttpError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly details: Obj = {},
  ) {
    super(message);
  }
}

function withoutTimes(o: Obj): Obj {
  const c = structuredClone(o);
  for (const m of c.metadata?.managedFields ?? []) delete m.time;
  return c;
}

/** JSON merge patch (RFC 7386). */
function mergePatch(target: Obj, patch: Obj): Obj {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return structuredClone(patch);
  const out = typeof target === 'object' && target !== null && !Array.isArray(target) ? structuredClone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export interface Route {
  type: ResourceType;
  namespace: string | null;
  name?: string;
  sub?: string;
}

export function serveObject(ctx: Ctx, verb: Verb, r: Route, url: URL, contentType: string, body: string): Obj | string {
  const t = r.type;
  const ns = t.namespaced ? r.namespace ?? '' : '';
  const what = `${qualified(t)} "${r.name}"`;
  const existing = r.name ? ctx.store.get(t.resource, ns, r.name) : undefined;
  if (verb === 'list') {
    return { kind: `${t.kind}List`, apiVersion: apiVersionOf(t), metadata: { resourceVersion: String(ctx.store.currentRv()) }, items: ctx.store.list(t.resource, t.namespaced ? r.namespace : null, url.searchParams.get('labelSelector')) };
  }
  if (verb === 'get') {
    if (!existing) throw new HttpError(404, `${what} not found`, { name: r.name, kind: t.resource });
    if (r.sub === 'log') {
      const lines = ctx.controller.logs.get(`${ns}/${r.name}`) ?? [];
      const tail = Number(url.searchParams.get('tailLines') ?? lines.length);
      return lines.slice(-tail).map((l) => `${l}\n`).join('');
    }
    return existing;
  }
  if (verb === 'delete') {
    if (!existing) throw new HttpError(404, `${what} not found`, { name: r.name, kind: t.resource });
    ctx.store.delete(t.resource, ns, r.name!);
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name: r.name, kind: t.resource } };
  }
  if (t.namespaced && !ctx.store.get('namespaces', '', ns)) throw new HttpError(404, `namespaces "${ns}" not found`, { name: ns, kind: 'namespaces' });
  let incoming: Obj;
  try {
    incoming = contentType.includes('yaml') ? loadYaml(body) : JSON.parse(body);
  } catch (e) {
    throw new HttpError(400, `the body of the request was in an unknown format: ${(e as Error).message}`);
  }
  const manager = url.searchParams.get('fieldManager') ?? '';
  const now = ctx.now().toISOString();
  let next: Obj;
  if (verb === 'patch' && contentType.startsWith('application/apply-patch')) {
    if (!manager) throw new HttpError(400, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    if (incoming?.metadata?.name !== r.name) throw new HttpError(400, `the name of the object (${incoming?.metadata?.name}) does not match the name on the URL (${r.name})`);
    if (incoming.kind !== t.kind || incoming.apiVersion !== apiVersionOf(t)) throw new HttpError(400, `the object's kind ${incoming.apiVersion}/${incoming.kind} does not match ${apiVersionOf(t)}/${t.kind}`);
    precondition(incoming, existing, what);
    try {
      next = serverSideApply(existing, incoming, manager, url.searchParams.get('force') === 'true', now);
    } catch (e) {
      if (e instanceof ApplyConflict) throw new HttpError(409, e.message, { name: r.name, kind: t.resource, causes: e.conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.manager}"`, field: c.path })) });
      throw e;
    }
  } else if (verb === 'patch') {
    if (!existing) throw new HttpError(404, `${what} not found`, { name: r.name, kind: t.resource });
    next = recordUpdate(existing, mergePatch(existing, incoming), manager || 'unknown', now);
  } else {
    if (verb === 'create' && ctx.store.get(t.resource, ns, incoming?.metadata?.name ?? '')) throw new HttpError(409, `${qualified(t)} "${incoming.metadata.name}" already exists`, { name: incoming.metadata.name, kind: t.resource });
    if (verb === 'update') {
      if (!existing) throw new HttpError(404, `${what} not found`, { name: r.name, kind: t.resource });
      precondition(incoming, existing, what);
    }
    next = recordUpdate(existing, { ...incoming, metadata: { ...incoming.metadata, managedFields: existing?.metadata.managedFields } }, manager || 'unknown', now);
  }
  validate(t, next, existing);
  // A write that changes nothing leaves the object (and its resourceVersion) as it was.
  if (existing && JSON.stringify(withoutTimes(existing)) === JSON.stringify(withoutTimes(next))) return existing;
  return ctx.store.put(t.resource, ns, next, ctx.now());
}

/** A write that names a resourceVersion applies only to that version of the object. */
function precondition(incoming: Obj, existing: Obj | undefined, what: string): void {
  const rv = incoming?.metadata?.resourceVersion;
  if (rv === undefined || rv === '') return;
  if (!existing || existing.metadata.resourceVersion !== String(rv)) {
    throw new HttpError(409, `Operation cannot be fulfilled on ${what}: the object has been modified; please apply your changes to the latest version and try again`);
  }
}

function validate(t: ResourceType, next: Obj, existing: Obj | undefined): void {
  const problems = kubeObjectProblems(next);
  if (t.kind === 'Deployment' && existing && JSON.stringify(existing.spec?.selector) !== JSON.stringify(next.spec?.selector)) {
    problems.push(`spec.selector: Invalid value: ${JSON.stringify(next.spec?.selector)}: field is immutable`);
  }
  if (problems.length) {
    throw new HttpError(422, `${t.kind}${t.group ? `.${t.group}` : ''} "${next.metadata?.name}" is invalid: ${problems.join(', ')}`, {
      name: next.metadata?.name,
      kind: t.kind,
      causes: problems.map((m) => ({ reason: 'FieldValueInvalid', message: m, field: m.split(':')[0] })),
    });
  }
}

