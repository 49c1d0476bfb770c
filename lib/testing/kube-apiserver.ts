/**
 * A test double of the Kubernetes API server: a real HTTP server on 127.0.0.1 that
 * @kubernetes/client-node talks to through a generated kubeconfig. It enforces what the
 * Kubernetes runtime relies on — resourceVersion on every object and 409 on a stale one,
 * server-side apply with field ownership, label selectors, watches (which a test can drop),
 * schema validation (422) — and lets a test inject 401 / 403 / 404 / 409 / 422 answers or
 * refuse connections, and decide what the pods of each Deployment look like.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { recordUpdate } from './kube-apiserver/apply';
import { PodController, type PodState } from './kube-apiserver/controller';
import { HttpError, serveObject, statusBody, type Route, type Verb } from './kube-apiserver/handlers';
import { RESOURCES, Store, apiVersionOf, matches, parseSelector, qualified, type Obj } from './kube-apiserver/store';

export type { PodState, Verb };

export interface Fault {
  verb?: Verb;
  resource?: string;
  name?: string;
  status: 401 | 403 | 404 | 409 | 422 | 500;
  message?: string;
  /** How many matching requests get this answer (default 1). */
  times?: number;
}

export interface RequestRecord {
  verb: Verb | 'other';
  resource?: string;
  namespace?: string;
  name?: string;
  contentType?: string;
  fieldManager?: string;
  force?: boolean;
  status: number;
}

export const SERVICE_ACCOUNT = 'system:serviceaccount:flightdeck:flightdeck';

export class KubeApiServer {
  readonly store = new Store();
  readonly controller: PodController;
  readonly token = `double-${Math.random().toString(36).slice(2)}`;
  readonly requests: RequestRecord[] = [];
  private readonly faults: Fault[] = [];
  private readonly denied: Array<{ verb: Verb; resource: string }> = [];
  private readonly watches = new Set<http.ServerResponse>();
  private readonly sockets = new Set<Socket>();
  private server: http.Server;
  port = 0;
  now: () => Date = () => new Date();
  /** Runs as a request arrives, before it is answered: a test can change the world in between. */
  beforeRequest: ((r: RequestRecord) => void) | null = null;

  constructor() {
    this.controller = new PodController(this.store, () => this.now());
    this.server = this.makeServer();
    this.createNamespace('default');
  }

  private makeServer(): http.Server {
    const s = http.createServer((req, res) => void this.handle(req, res));
    s.on('connection', (sock) => {
      this.sockets.add(sock);
      sock.on('close', () => this.sockets.delete(sock));
    });
    return s;
  }

  async listen(port = 0): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** A kubeconfig (YAML) pointing at this server with its bearer token. */
  kubeconfigYaml(namespace = 'default'): string {
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      // Plain HTTP on loopback: client-node accepts it only with TLS verification off.
      `- name: double\n  cluster:\n    server: ${this.url}\n    insecure-skip-tls-verify: true`,
      'users:',
      `- name: flightdeck\n  user:\n    token: ${this.token}`,
      'contexts:',
      `- name: double\n  context:\n    cluster: double\n    user: flightdeck\n    namespace: ${namespace}`,
      'current-context: double',
      '',
    ].join('\n');
  }

  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromString(this.kubeconfigYaml());
    return kc;
  }

  // ------------------------------------------------------------------ test controls

  /** The next `times` requests matching get this answer instead. */
  inject(fault: Fault): void {
    this.faults.push({ times: 1, ...fault });
  }

  /** RBAC that lacks `verb` on `resource` (plural, e.g. "deployments"). */
  deny(verb: Verb, resource: string): void {
    this.denied.push({ verb, resource });
  }

  allowAll(): void {
    this.denied.length = 0;
    this.faults.length = 0;
  }

  /** Ends every open watch stream, as a load balancer or an API server restart would. */
  dropWatches(): number {
    const n = this.watches.size;
    for (const w of this.watches) w.destroy();
    this.watches.clear();
    return n;
  }

  openWatches(): number {
    return this.watches.size;
  }

  /** Stops listening: connections are refused until `resume()`. */
  async refuseConnections(): Promise<void> {
    this.dropWatches();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  async resume(): Promise<void> {
    this.server = this.makeServer();
    await this.listen(this.port);
  }

  async close(): Promise<void> {
    await this.refuseConnections().catch(() => undefined);
  }

  createNamespace(name: string): void {
    this.store.put('namespaces', '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, this.now());
  }

  /** Writes an object as another manager would (kubectl, an HPA…), taking the fields it changes. */
  write(obj: Obj, manager = 'kubectl-edit'): Obj {
    const type = RESOURCES.find((t) => t.kind === obj.kind && apiVersionOf(t) === obj.apiVersion);
    if (!type) throw new Error(`kind ${obj.kind} not served`);
    const ns = type.namespaced ? obj.metadata.namespace ?? 'default' : '';
    const before = this.store.get(type.resource, ns, obj.metadata.name);
    return this.store.put(type.resource, ns, recordUpdate(before, { ...obj, metadata: { ...obj.metadata, managedFields: before?.metadata.managedFields } }, manager, this.now().toISOString()), this.now());
  }

  get(resource: string, namespace: string, name: string): Obj | undefined {
    return this.store.get(resource, namespace, name);
  }

  pods(namespace: string | null, selector?: string): Obj[] {
    return this.controller.pods(namespace, selector);
  }

  setPod(namespace: string, name: string, patch: Partial<PodState>): Obj {
    return this.controller.setPod(namespace, name, patch);
  }

  // ------------------------------------------------------------------ HTTP

  private route(url: URL): Route | 'discovery' | null {
    const p = url.pathname.split('/').filter(Boolean);
    if (p[0] === 'api' && p.length <= 2) return 'discovery';
    if (p[0] === 'apis' && p.length <= 3) return 'discovery';
    let group = '';
    let rest: string[];
    if (p[0] === 'api' && p[1] === 'v1') rest = p.slice(2);
    else if (p[0] === 'apis' && p.length >= 4) {
      group = p[1]!;
      if (p[2] !== 'v1') return null;
      rest = p.slice(3);
    } else return null;
    let namespace: string | null = null;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1]!;
      rest = rest.slice(2);
    }
    const type = RESOURCES.find((t) => t.group === group && t.resource === rest[0]);
    if (!type) return null;
    if (!type.namespaced) return { type, namespace: null, name: rest[1] };
    return { type, namespace, name: rest[1], sub: rest[2] };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const rec: RequestRecord = { verb: 'other', status: 200, contentType: req.headers['content-type'] };
    this.requests.push(rec);
    const send = (code: number, body: Obj) => {
      rec.status = code;
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    try {
      const body = await new Promise<string>((resolve, reject) => {
        let data = '';
        req.on('data', (c) => (data += c));
        req.on('end', () => resolve(data));
        req.on('error', reject);
      });
      if (req.headers.authorization !== `Bearer ${this.token}`) throw new HttpError(401, 'Unauthorized');
      const r = this.route(url);
      if (r === 'discovery') return send(200, this.discovery(url));
      if (!r) throw new HttpError(404, 'the server could not find the requested resource');
      const verb = this.verbOf(req.method ?? 'GET', r, url);
      Object.assign(rec, { verb, resource: r.type.resource, namespace: r.namespace ?? undefined, name: r.name });
      this.beforeRequest?.(rec);
      rec.fieldManager = url.searchParams.get('fieldManager') ?? undefined;
      rec.force = url.searchParams.get('force') === 'true';
      this.checkAccess(verb, r);
      if (verb === 'watch') return this.watch(r, url, res, rec);
      const out = serveObject(this, verb, r, url, req.headers['content-type'] ?? '', body);
      if (typeof out === 'string') {
        rec.status = 200;
        res.writeHead(200, { 'content-type': 'text/plain' });
        return void res.end(out);
      }
      send(verb === 'create' ? 201 : 200, out);
    } catch (e) {
      if (e instanceof HttpError) send(e.code, statusBody(e.code, e.message, e.details));
      else send(500, statusBody(500, (e as Error).message));
    }
  }

  private verbOf(method: string, r: Route, url: URL): Verb {
    switch (method) {
      case 'GET':
        if (r.name) return 'get';
        return url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1' ? 'watch' : 'list';
      case 'POST':
        return 'create';
      case 'PUT':
        return 'update';
      case 'PATCH':
        return 'patch';
      case 'DELETE':
        return 'delete';
      default:
        throw new HttpError(400, `method ${method} not allowed`);
    }
  }

  private checkAccess(verb: Verb, r: Route): void {
    const what = r.name ? `${qualified(r.type)} "${r.name}"` : qualified(r.type);
    const scope = r.namespace ? ` in the namespace "${r.namespace}"` : ' at the cluster scope';
    if (this.denied.some((d) => d.verb === verb && d.resource === r.type.resource)) {
      throw new HttpError(403, `${what} is forbidden: User "${SERVICE_ACCOUNT}" cannot ${verb} resource "${r.type.resource}" in API group "${r.type.group}"${scope}`, {
        name: r.name,
        group: r.type.group,
        kind: r.type.resource,
      });
    }
    const i = this.faults.findIndex((f) => (!f.verb || f.verb === verb) && (!f.resource || f.resource === r.type.resource) && (!f.name || f.name === r.name));
    if (i < 0) return;
    const f = this.faults[i]!;
    if (--f.times! <= 0) this.faults.splice(i, 1);
    const defaults: Record<number, string> = {
      401: 'Unauthorized',
      403: `${what} is forbidden: User "${SERVICE_ACCOUNT}" cannot ${verb} resource "${r.type.resource}" in API group "${r.type.group}"${scope}`,
      404: `${what} not found`,
      409: `Operation cannot be fulfilled on ${what}: the object has been modified; please apply your changes to the latest version and try again`,
      422: `${r.type.kind}${r.type.group ? `.${r.type.group}` : ''} "${r.name ?? ''}" is invalid: spec: Invalid value: injected`,
      500: 'Internal error occurred: injected',
    };
    throw new HttpError(f.status, f.message ?? defaults[f.status]!, { name: r.name, group: r.type.group, kind: r.type.resource });
  }

  private discovery(url: URL): Obj {
    const p = url.pathname.split('/').filter(Boolean);
    if (p.length === 1) return p[0] === 'api' ? { kind: 'APIVersions', versions: ['v1'] } : { kind: 'APIGroupList', groups: [...new Set(RESOURCES.map((t) => t.group).filter(Boolean))].map((g) => ({ name: g, versions: [{ groupVersion: `${g}/v1`, version: 'v1' }] })) };
    const group = p[0] === 'api' ? '' : p[1];
    return {
      kind: 'APIResourceList',
      groupVersion: group ? `${group}/v1` : 'v1',
      resources: RESOURCES.filter((t) => t.group === group).map((t) => ({ name: t.resource, namespaced: t.namespaced, kind: t.kind, verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] })),
    };
  }

  private watch(r: Route, url: URL, res: http.ServerResponse, rec: RequestRecord): void {
    const from = Number(url.searchParams.get('resourceVersion') ?? 0);
    const reqs = parseSelector(url.searchParams.get('labelSelector'));
    const wanted = (e: { resource: string; namespace: string; object: Obj }) =>
      e.resource === r.type.resource && (r.namespace === null || e.namespace === r.namespace) && matches(e.object.metadata?.labels, reqs);
    rec.status = 200;
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    if (from > 0 && from < this.store.compactedBefore) {
      res.end(`${JSON.stringify({ type: 'ERROR', object: statusBody(410, `too old resource version: ${from} (${this.store.compactedBefore})`) })}\n`);
      return;
    }
    this.watches.add(res);
    const write = (e: { type: string; object: Obj }) => res.write(`${JSON.stringify({ type: e.type, object: e.object })}\n`);
    if (from > 0) for (const e of this.store.events) if (e.rv > from && wanted(e)) write(e);
    const unsubscribe = this.store.subscribe((e) => {
      if (wanted(e)) write(e);
    });
    const timeout = Number(url.searchParams.get('timeoutSeconds') ?? 0);
    const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : null;
    res.on('close', () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
      this.watches.delete(res);
    });
  }
}

/** Starts a double on a free port of 127.0.0.1. */
export async function startKubeApiServer(): Promise<KubeApiServer> {
  const s = new KubeApiServer();
  await s.listen();
  return s;
}
