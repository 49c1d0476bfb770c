/**
 * Validation of Kubernetes objects as the API server does it: the upstream OpenAPI schemas (the
 * kubernetes-models packages carry them for the core API and Gateway API v1) plus the checks
 * the schemas cannot express (name and label syntax, a Deployment's selector matching its pod
 * template, probe ports naming a container port). Used by the API server double to answer 422
 * and by the tests that check every object Flightdeck builds.
 */
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Pod } from 'kubernetes-models/v1/Pod';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- objects arrive as untyped JSON
type Json = any;

const MODELS: Record<string, new (data: Json) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'v1/Pod': Pod,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
  'gateway.networking.k8s.io/v1/HTTPRoute': HTTPRoute,
};

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

function checkKey(key: string, where: string, out: string[]): void {
  const parts = key.split('/');
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
  if (parts.length > 2 || !name || name.length > 63 || !QUALIFIED_NAME.test(name)) out.push(`${where}: Invalid value: "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', at most 63 characters`);
  if (prefix !== undefined && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) out.push(`${where}: Invalid value: "${key}": prefix part must be a DNS-1123 subdomain`);
}

function checkMeta(obj: Json, out: string[]): void {
  const m = obj.metadata ?? {};
  const name: unknown = m.name;
  const serviceLike = obj.kind === 'Service';
  const ok =
    typeof name === 'string' &&
    (serviceLike ? name.length <= 63 && DNS1035_LABEL.test(name) : name.length <= 253 && DNS1123_SUBDOMAIN.test(name));
  if (!ok) out.push(`metadata.name: Invalid value: ${JSON.stringify(name)}: must be a ${serviceLike ? 'DNS-1035 label' : 'DNS-1123 subdomain'}`);
  if (m.namespace !== undefined && (typeof m.namespace !== 'string' || m.namespace.length > 63 || !DNS1123_LABEL.test(m.namespace))) {
    out.push(`metadata.namespace: Invalid value: ${JSON.stringify(m.namespace)}: must be a DNS-1123 label`);
  }
  for (const [k, v] of Object.entries<Json>(m.labels ?? {})) {
    checkKey(k, 'metadata.labels', out);
    if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v)) out.push(`metadata.labels: Invalid value: ${JSON.stringify(v)}: a valid label must be 63 characters or less, alphanumeric at both ends`);
  }
  for (const [k, v] of Object.entries<Json>(m.annotations ?? {})) {
    checkKey(k, 'metadata.annotations', out);
    if (typeof v !== 'string') out.push(`metadata.annotations.${k}: Invalid value: must be a string`);
  }
}

function checkPodSpec(spec: Json, where: string, out: string[]): void {
  for (const [i, c] of (spec?.containers ?? []).entries()) {
    const at = `${where}.containers[${i}]`;
    if (typeof c.name !== 'string' || !DNS1123_LABEL.test(c.name)) out.push(`${at}.name: Invalid value: ${JSON.stringify(c.name)}: must be a DNS-1123 label`);
    if (typeof c.image !== 'string' || c.image.trim() === '') out.push(`${at}.image: Required value`);
    const portNames = new Set<string>();
    for (const p of c.ports ?? []) {
      if (p.name !== undefined) {
        if (p.name.length > 15 || !IANA_SVC_NAME.test(p.name)) out.push(`${at}.ports.name: Invalid value: "${p.name}": must be no more than 15 characters (IANA_SVC_NAME)`);
        portNames.add(p.name);
      }
    }
    for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe'] as const) {
      const port = c[probe]?.httpGet?.port;
      if (typeof port === 'string' && !portNames.has(port)) out.push(`${at}.${probe}.httpGet.port: Invalid value: "${port}": must contain the name of a container port`);
    }
    for (const e of c.env ?? []) {
      if (typeof e.name !== 'string' || !/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(e.name)) out.push(`${at}.env.name: Invalid value: ${JSON.stringify(e.name)}: a valid environment variable name`);
    }
  }
}

/** Problems with `obj` in the API server's words; empty when it would be accepted. */
export function kubeObjectProblems(obj: Json): string[] {
  const out: string[] = [];
  if (!obj || typeof obj !== 'object') return ['object: Required value'];
  const Model = MODELS[`${obj.apiVersion}/${obj.kind}`];
  if (!Model) return [`kind ${obj.kind} of ${obj.apiVersion} is not served here`];
  try {
    new Model(obj).validate();
  } catch (e) {
    out.push(...String((e as Error).message).split(', ').map((s) => s.replace(/^data\//, '').replace(/\//g, '.')));
  }
  checkMeta(obj, out);
  if (obj.kind === 'Deployment') {
    const match: Record<string, string> = obj.spec?.selector?.matchLabels ?? {};
    const labels: Record<string, string> = obj.spec?.template?.metadata?.labels ?? {};
    if (!Object.entries(match).every(([k, v]) => labels[k] === v)) out.push('spec.template.metadata.labels: Invalid value: `selector` does not match template `labels`');
    if (Object.keys(match).length === 0) out.push('spec.selector: Invalid value: empty selector is invalid for deployment');
    checkPodSpec(obj.spec?.template?.spec, 'spec.template.spec', out);
  }
  if (obj.kind === 'Pod') checkPodSpec(obj.spec, 'spec', out);
  if (obj.kind === 'Service') {
    for (const p of obj.spec?.ports ?? []) {
      if (p.name !== undefined && !DNS1123_LABEL.test(p.name)) out.push(`spec.ports.name: Invalid value: "${p.name}": must be a DNS-1123 label`);
    }
  }
  return out;
}

/** Throws with every problem when `obj` would be refused. */
export function assertValidKubeObject(obj: Json): void {
  const problems = kubeObjectProblems(obj);
  if (problems.length) throw new Error(`${obj?.kind ?? 'object'} ${obj?.metadata?.name ?? '?'} is invalid: ${problems.join('; ')}`);
}
