/**
 * The few REST calls the Kubernetes runtime makes, over the connection and credentials that
 * @kubernetes/client-node derives from a kubeconfig (KUBECONFIG, ~/.kube/config or the
 * in-cluster service account). Every failure comes out as a RuntimeFault that says what the
 * platform refused and why, in words an operator can act on.
 */
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { RuntimeFault } from '../types';
import { FIELD_MANAGER } from './names';
import type { KubeObject } from './objects';

export interface ResourceRef {
  /** API group: '' (core), 'apps', 'gateway.networking.k8s.io'. */
  group: string;
  /** Plural resource name, as in URLs and RBAC rules. */
  resource: string;
  namespace: string;
  name?: string;
}

export const DEPLOYMENTS = { group: 'apps', resource: 'deployments' } as const;
export const SERVICES = { group: '', resource: 'services' } as const;
export const PODS = { group: '', resource: 'pods' } as const;
export const HTTPROUTES = { group: 'gateway.networking.k8s.io', resource: 'httproutes' } as const;
export const CONFIGMAPS = { group: '', resource: 'configmaps' } as const;
export const SECRETS = { group: '', resource: 'secrets' } as const;

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'EAI_AGAIN', 'ENETUNREACH', 'EPIPE', 'UND_ERR_SOCKET']);

export function resourcePath(ref: ResourceRef): string {
  const base = ref.group ? `/apis/${ref.group}/v1` : '/api/v1';
  return `${base}/namespaces/${encodeURIComponent(ref.namespace)}/${ref.resource}${ref.name ? `/${encodeURIComponent(ref.name)}` : ''}`;
}

function describe(ref: ResourceRef): string {
  const kind = ref.group ? `${ref.resource}.${ref.group}` : ref.resource;
  return `${kind} ${ref.namespace}/${ref.name ?? '*'}`;
}

/** Turns an API answer that is not 2xx into the fault the orchestrator pauses with. */
export function faultFromStatus(code: number, body: string, verb: string, ref: ResourceRef): RuntimeFault {
  let message = body.trim();
  try {
    const s = JSON.parse(body);
    if (typeof s?.message === 'string') message = s.message;
  } catch {
    /* not a Status object */
  }
  const what = describe(ref);
  const details = { status: code, verb, group: ref.group, resource: ref.resource, namespace: ref.namespace, name: ref.name, apiMessage: message };
  switch (code) {
    case 401:
      return new RuntimeFault('unauthorized', `Kubernetes API refused Flightdeck's credentials (401 Unauthorized) while trying to ${verb} ${what}: ${message}`, details);
    case 403: {
      const rule = `${verb} ${ref.group ? `${ref.resource}.${ref.group}` : ref.resource} in namespace ${ref.namespace}`;
      return new RuntimeFault('forbidden', `Flightdeck lacks the RBAC permission to ${rule} (403 Forbidden): ${message}`, { ...details, missingRbac: { verbs: [verb], apiGroups: [ref.group], resources: [ref.resource], namespace: ref.namespace } });
    }
    case 409:
      return new RuntimeFault('conflict', `Kubernetes refused to ${verb} ${what} (409 Conflict): ${message}`, details);
    case 422:
      return new RuntimeFault('invalid', `Kubernetes rejected ${what} as invalid (422): ${message}`, details);
    case 404:
      return new RuntimeFault('invalid', `Kubernetes could not ${verb} ${what} (404 Not Found): ${message}`, details);
    default:
      return new RuntimeFault(code >= 500 ? 'internal' : 'invalid', `Kubernetes answered ${code} to ${verb} ${what}: ${message}`, details);
  }
}

export interface RequestOptions {
  query?: Record<string, string | undefined>;
  body?: unknown;
  contentType?: string;
  /** Answer null instead of a fault when the object does not exist. */
  allowNotFound?: boolean;
  timeoutMs?: number;
}

export class KubeClient {
  constructor(
    readonly kc: KubeConfig,
    private readonly requestTimeoutMs = 15_000,
    /** Why this cluster cannot be used at all (a missing kubeconfig context…): every request faults with it. */
    private readonly configError?: string,
  ) {}

  get server(): string {
    return this.kc.getCurrentCluster()?.server ?? '(no cluster in kubeconfig)';
  }

  /** One request; resolves with the parsed body (text for non-JSON answers). */
  async request<T = unknown>(method: string, verb: string, ref: ResourceRef, path: string, opts: RequestOptions = {}): Promise<T | null> {
    if (this.configError) throw new RuntimeFault('invalid', `the Kubernetes runtime is misconfigured: ${this.configError}`, { verb, resource: ref.resource });
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new RuntimeFault('unreachable', 'no Kubernetes cluster configured: set KUBECONFIG, provide ~/.kube/config or run in a cluster');
    const url = new URL(cluster.server.replace(/\/+$/, '') + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const reqOpts: https.RequestOptions = { method, headers: { accept: 'application/json' } };
    try {
      await this.kc.applyToHTTPSOptions(reqOpts);
    } catch (e) {
      throw new RuntimeFault('unauthorized', `cannot use the Kubernetes credentials from the kubeconfig: ${(e as Error).message}`);
    }
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const headers = { ...(reqOpts.headers as Record<string, string>), ...(payload !== undefined ? { 'content-type': opts.contentType ?? 'application/json' } : {}) };
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const lib = url.protocol === 'https:' ? https : http;
      const req = lib.request(url, { ...reqOpts, headers, timeout: opts.timeoutMs ?? this.requestTimeoutMs }, (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (data += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: data }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${opts.timeoutMs ?? this.requestTimeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      req.end(payload);
    }).catch((e: NodeJS.ErrnoException) => {
      if (e instanceof RuntimeFault) throw e;
      const code = e.code ?? '';
      const reason = NETWORK_CODES.has(code) || /socket|connect/i.test(e.message) ? 'unreachable' : 'internal';
      throw new RuntimeFault(reason, `Kubernetes API server ${this.server} is unreachable: ${e.message}`, { code, verb, resource: ref.resource, namespace: ref.namespace, name: ref.name });
    });
    if (status === 404 && opts.allowNotFound) return null;
    if (status < 200 || status >= 300) throw faultFromStatus(status, text, verb, ref);
    try {
      return JSON.parse(text) as T;
    } catch {
      return text as T;
    }
  }

  get<T extends KubeObject>(ref: ResourceRef & { name: string }): Promise<T | null> {
    return this.request<T>('GET', 'get', ref, resourcePath(ref), { allowNotFound: true });
  }

  async list<T extends KubeObject>(ref: ResourceRef, labelSelector: string): Promise<{ items: T[]; resourceVersion: string }> {
    const r = await this.request<{ items: T[]; metadata: { resourceVersion: string } }>('GET', 'list', ref, resourcePath({ ...ref, name: undefined }), { query: { labelSelector } });
    return { items: r?.items ?? [], resourceVersion: r?.metadata?.resourceVersion ?? '0' };
  }

  /**
   * Server-side apply as the `flightdeck` field manager. With `resourceVersion`, the write only
   * lands on that version of the object (the API server answers 409 otherwise). Conflicts with
   * another manager's fields are not forced: they come back as a conflict fault naming it.
   */
  async apply<T extends KubeObject>(ref: ResourceRef & { name: string }, obj: T, resourceVersion?: string): Promise<T> {
    const body = resourceVersion ? { ...obj, metadata: { ...obj.metadata, resourceVersion } } : obj;
    const out = await this.request<T>('PATCH', 'patch', ref, resourcePath(ref), {
      query: { fieldManager: FIELD_MANAGER, force: 'false' },
      body,
      contentType: 'application/apply-patch+yaml',
    });
    return out!;
  }

  async logs(ref: ResourceRef & { name: string }, lines: number): Promise<string> {
    const out = await this.request<string>('GET', 'get', { ...ref, resource: 'pods/log' }, `${resourcePath(ref)}/log`, { query: { tailLines: String(lines) } });
    return typeof out === 'string' ? out : JSON.stringify(out);
  }
}
