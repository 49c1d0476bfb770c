/**
 * How a deployment ends, as one transition each: succeeded (the release history moves to the
 * new version) or failed/aborted after its revert (the version marked bad when the failure
 * says so). The lease is released in the same transaction. A rollback — a rollback deployment
 * that succeeded, or an in-flight deployment aborted because someone rolled back — also says
 * `rolled_back`, the event people are notified of.
 */
import type { Prisma } from '../db/client';
import type { NewEvent, Tx } from '../events/append';
import type { Revert } from '../state/deployment-state';
import type { LoadedDeployment } from './context';

export interface Ending {
  patch: Prisma.DeploymentUpdateInput;
  events: NewEvent[];
  extra: (tx: Tx) => Promise<void>;
}

export function succeeded(d: LoadedDeployment, now: Date): Ending {
  const data = { version: d.toVersion.semver, from: d.fromVersion?.semver ?? null, environment: d.environment.name };
  const events: NewEvent[] = [{ type: 'deployment_completed', message: `${d.service.name} now serves v${d.toVersion.semver} in ${d.environment.name}`, data }];
  // Before the terminal event: a timeline's last event is always how the deployment ended.
  if (d.kind === 'rollback') {
    events.unshift({ type: 'rolled_back', message: `Rolled back ${d.service.name} in ${d.environment.name} from v${d.fromVersion?.semver ?? '?'} to v${d.toVersion.semver}`, data });
  }
  return {
    patch: { state: 'succeeded', phase: 'succeeded', finishedAt: now, activeFor: null },
    events,
    extra: async (tx) => {
      const where = { serviceId: d.serviceId, environmentId: d.environment.id };
      await tx.releaseHistory.updateMany({ where: { ...where, until: null }, data: { until: now } });
      await tx.releaseHistory.create({ data: { ...where, versionId: d.toVersion.id, deploymentId: d.id, from: now } });
    },
  };
}

export function reverted(d: LoadedDeployment, rv: Revert, now: Date): Ending {
  const aborted = rv.outcome === 'aborted';
  const byRollback = rv.rollback !== undefined;
  const events: NewEvent[] = [
    {
      type: aborted ? 'deployment_aborted' : 'deployment_failed',
      message: `${aborted ? 'Aborted' : 'Failed'}: ${rv.reason}${rv.markBad ? `. v${d.toVersion.semver} marked bad` : ''}`,
      data: { reason: rv.reason, markedBad: rv.markBad, version: d.toVersion.semver, ...(byRollback ? { byRollback } : {}) },
    },
  ];
  if (byRollback) {
    const back = d.fromVersion ? `v${d.fromVersion.semver}` : 'nothing';
    events.unshift({ type: 'rolled_back', message: `Rolled back ${d.service.name} in ${d.environment.name} from v${d.toVersion.semver} (in flight) to ${back}`, data: { version: d.fromVersion?.semver ?? null, from: d.toVersion.semver, environment: d.environment.name, reason: rv.reason } });
  }
  return {
    patch: { state: rv.outcome, phase: rv.outcome, finishedAt: now, activeFor: null, reason: rv.reason },
    events,
    extra: async (tx) => {
      if (rv.markBad) await tx.version.update({ where: { id: d.toVersion.id }, data: { bad: true, badReason: rv.reason, markedBadAt: now } });
    },
  };
}
