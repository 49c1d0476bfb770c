/**
 * Names, labels and annotations of the Kubernetes objects Flightdeck owns. Pure: the same
 * service and version always give the same names, on every process and every call.
 */
import { createHash } from 'node:crypto';
import { AppError } from '../../errors/app-error';

/** Prefix of Flightdeck's own labels and annotations. */
export const DOMAIN = 'flightdeck.dev';
export const FIELD_MANAGER = 'flightdeck';

export const LABEL = {
  service: `${DOMAIN}/service`,
  version: `${DOMAIN}/version`,
  versionId: `${DOMAIN}/version-id`,
  deploymentId: `${DOMAIN}/deployment-id`,
} as const;

export const ANNOTATION = {
  /** The lease's fencing token of the last write; a lower token may no longer write the object. */
  fence: `${DOMAIN}/fence`,
  /** The exact semver (label values cannot hold every semver). */
  semver: `${DOMAIN}/semver`,
  /** The slots of the version that should run, e.g. "0,1,2" (a Deployment keeps only a count). */
  slots: `${DOMAIN}/slots`,
  /** Which deployment asked for each slot, JSON {"0":"<deployment id>"}. */
  slotOwners: `${DOMAIN}/slot-owners`,
  /** The routing table as Flightdeck last set it, JSON. */
  routes: `${DOMAIN}/routes`,
} as const;

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Service names are stricter than other names: they must start with a letter. */
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const PLAIN_SEMVER = /^\d+\.\d+\.\d+$/;
const MAX_NAME = 63;
const HASH_LEN = 8;

export function isDnsLabel(s: string): boolean {
  return s.length <= MAX_NAME && DNS1123_LABEL.test(s);
}

export function isServiceName(s: string): boolean {
  return s.length <= MAX_NAME && DNS1035_LABEL.test(s);
}

export function isLabelValue(s: string): boolean {
  return s.length <= MAX_NAME && LABEL_VALUE.test(s);
}

function hash(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, HASH_LEN);
}

/** Cuts `s` to at most `max` characters without leaving a dash at the end. */
function cut(s: string, max: number): string {
  return s.slice(0, max).replace(/-+$/, '');
}

/** Refuses a service name no Kubernetes Service could carry. */
export function assertServiceName(service: string): void {
  if (!isServiceName(service)) {
    throw new AppError(
      'invalid',
      `service name ${JSON.stringify(service)} cannot name Kubernetes objects: it must be 1-63 lowercase letters, digits or dashes, start with a letter and end with a letter or digit`,
      { service },
    );
  }
}

export function assertSemver(semver: string): void {
  if (typeof semver !== 'string' || semver.trim() === '' || semver.length > 256 || /\s/.test(semver)) {
    throw new AppError('invalid', `version ${JSON.stringify(semver)} is not a version string (1-256 characters, no spaces)`, { semver });
  }
}

/**
 * Name of a version's Deployment and Service: `<service>-<version slug>`, a DNS-1035 label.
 * A plain x.y.z version reads as itself ("payment-gateway-2-3-0"): with exactly three numeric
 * parts after the service, that rendering cannot collide. Any other version (pre-release,
 * build metadata, capitals) or a name over 63 characters is shortened and given a hash of the
 * exact service and version, so two versions never share a name.
 */
export function versionObjectName(service: string, semver: string): string {
  assertServiceName(service);
  assertSemver(semver);
  const slug = semver.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  const plain = `${service}-${slug}`;
  if (PLAIN_SEMVER.test(semver) && plain.length <= MAX_NAME) return plain;
  const suffix = `-${hash(service, semver)}`;
  return `${cut(slug ? plain : service, MAX_NAME - suffix.length)}${suffix}`;
}

/**
 * The version as a label value, used in selectors: the semver itself when it is a valid label
 * value, `+` (build metadata) spelled `_` (a character semver never uses, so no two versions
 * meet), and a hash when it is longer than a label value may be.
 */
export function versionLabel(semver: string): string {
  assertSemver(semver);
  const spelled = semver.replace(/\+/g, '_');
  if (isLabelValue(spelled)) return spelled;
  const suffix = `_${hash(semver)}`;
  const head = spelled.replace(/[^-A-Za-z0-9_.]/g, '-').slice(0, MAX_NAME - suffix.length).replace(/[^A-Za-z0-9]+$/, '');
  return `${head}${suffix}`.replace(/^[^A-Za-z0-9]+/, '');
}

/** Name of the service's stable entry point (Service) and its HTTPRoute. */
export function stableName(service: string): string {
  assertServiceName(service);
  return service;
}

export type Component = 'version' | 'stable' | 'route';

/** The standard app.kubernetes.io labels plus Flightdeck's own. */
export function standardLabels(input: {
  service: string;
  component: Component;
  instance: string;
  semver?: string;
}): Record<string, string> {
  const labels: Record<string, string> = {
    'app.kubernetes.io/name': input.service,
    'app.kubernetes.io/instance': input.instance,
    'app.kubernetes.io/managed-by': FIELD_MANAGER,
    'app.kubernetes.io/part-of': input.service,
    'app.kubernetes.io/component': input.component,
    [LABEL.service]: input.service,
  };
  if (input.semver !== undefined) {
    labels['app.kubernetes.io/version'] = versionLabel(input.semver);
    labels[LABEL.version] = versionLabel(input.semver);
  }
  return labels;
}

/** Labels that pick out one version's pods (a Deployment's selector, which never changes). */
export function versionSelector(service: string, semver: string): Record<string, string> {
  return { [LABEL.service]: service, [LABEL.version]: versionLabel(semver) };
}
