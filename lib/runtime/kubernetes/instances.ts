/**
 * Pods seen as the Runtime's instances. Pure. Kubernetes names pods itself and keeps only a
 * replica count, so the slots of a version (kept on its Deployment) are handed out to its pods
 * deterministically: oldest pod first (creation time, then name) takes the lowest slot. Pods
 * being deleted have left rotation and are not instances any more.
 */
import type { InstanceStatus } from '../types';
import { ANNOTATION, LABEL } from './names';
import type { ContainerStatus, Deployment, Pod } from './objects';

export interface VersionFacts {
  versionId: string;
  semver: string;
  /** Label value that selects the version's pods. */
  versionLabel: string;
  slots: number[];
  owners: Record<string, string>;
  deploymentId: string;
  port?: number;
}

export function parseSlots(value: string | undefined): number[] {
  if (!value) return [];
  return value
    .split(',')
    .map((s) => Number(s))
    .filter((n) => Number.isInteger(n) && n >= 0)
    .sort((a, b) => a - b);
}

export function parseOwners(value: string | undefined): Record<string, string> {
  if (!value) return {};
  try {
    const o = JSON.parse(value);
    return typeof o === 'object' && o !== null ? (o as Record<string, string>) : {};
  } catch {
    return {};
  }
}

/** What Flightdeck recorded on a version's Deployment; null for objects that are not a version's. */
export function versionFacts(d: Deployment): VersionFacts | null {
  const labels = d.metadata.labels ?? {};
  const a = d.metadata.annotations ?? {};
  const versionId = labels[LABEL.versionId];
  const versionLabel = labels[LABEL.version];
  if (!versionId || !versionLabel) return null;
  return {
    versionId,
    semver: a[ANNOTATION.semver] ?? versionLabel,
    versionLabel,
    slots: parseSlots(a[ANNOTATION.slots]),
    owners: parseOwners(a[ANNOTATION.slotOwners]),
    deploymentId: labels[LABEL.deploymentId] ?? '',
    port: d.spec?.template?.spec?.containers?.[0]?.ports?.[0]?.containerPort,
  };
}

function byAge(a: Pod, b: Pod): number {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  return ta < tb ? -1 : ta > tb ? 1 : a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
}

export function isReady(pod: Pod): boolean {
  return !pod.metadata.deletionTimestamp && pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

function mainContainer(pod: Pod): ContainerStatus | undefined {
  return pod.status?.containerStatuses?.[0];
}

/** The instance a pod is, with the platform's own words for what is wrong with it. */
export function podInstance(service: string, v: VersionFacts, pod: Pod, slot: number): InstanceStatus {
  const c = mainContainer(pod);
  const waiting = c?.state?.waiting;
  const terminated = c?.state?.terminated;
  const last = c?.lastState?.terminated;
  const phase = pod.status?.phase;
  const exited = phase === 'Failed' || phase === 'Succeeded';
  const ready = isReady(pod);
  const readyCondition = pod.status?.conditions?.find((x) => x.type === 'Ready');
  const started = Date.parse(c?.state?.running?.startedAt ?? pod.status?.startTime ?? pod.metadata.creationTimestamp ?? '');
  const status: InstanceStatus = {
    id: pod.metadata.name,
    service,
    versionId: v.versionId,
    semver: v.semver,
    slot,
    deploymentId: v.owners[String(slot)] ?? v.deploymentId,
    startedAt: Number.isFinite(started) ? started : 0,
    state: exited ? 'exited' : 'running',
    restarts: c?.restartCount ?? 0,
  };
  const scheduled = pod.status?.conditions?.find((x) => x.type === 'PodScheduled');
  const unscheduled = scheduled?.status === 'False' ? (scheduled.reason ?? 'Unschedulable') : undefined;
  const reason = waiting?.reason ?? terminated?.reason ?? unscheduled ?? (ready ? undefined : readyCondition?.reason);
  if (reason && !exited) status.reason = reason;
  const ended = terminated ?? last;
  if (ended) {
    status.exitCode = ended.exitCode;
    status.exitReason = ended.reason ?? `exit code ${ended.exitCode}`;
  }
  if (pod.spec?.nodeName) status.host = pod.spec.nodeName;
  if (pod.status?.podIP && v.port) status.address = `http://${pod.status.podIP}:${v.port}`;
  return status;
}

/**
 * The version's instances: its live pods, oldest first, take its slots in ascending order.
 * Pods beyond the slot set (a scale-down the controller has not carried out yet) get the next
 * numbers above the highest slot, so every pod is listed once and no two share a slot.
 */
export function instancesOf(service: string, v: VersionFacts, pods: Pod[]): InstanceStatus[] {
  const live = pods.filter((p) => p.metadata.labels?.[LABEL.version] === v.versionLabel && !p.metadata.deletionTimestamp).sort(byAge);
  let extra = (v.slots.length ? Math.max(...v.slots) : -1) + 1;
  return live.map((pod, i) => podInstance(service, v, pod, i < v.slots.length ? v.slots[i]! : extra++));
}
