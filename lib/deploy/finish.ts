/**
 * How a deployment ends, as one transition each: succeeded (the release history moves to the
 * new version) or failed/aborted after its revert (the version marked bad when the failure
 * says so). The lease is released in the same transaction.
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
  return {
    patch: { state: 'succeeded', phase: 'succeeded', finishedAt: now, activeFor: null },
    events: [
      {
        type: 'deployment_completed',
        message: `${d.service.name} now serves v${d.toVersion.semver} in ${d.environment.name}`,
        data: { version: d.toVersion.semver, from: d.fromVersion?.semver ?? null, environment: d.environment.name },
      },
    ],
    extra: async (tx) => {
      const where = { serviceId: d.serviceId, environmentId: d.environment.id };
      await tx.releaseHistory.updateMany({ where: { ...where, until: null }, data: { until: now } });
      await tx.releaseHistory.create({ data: { ...where, versionId: d.toVersion.id, deploymentId: d.id, from: now } });
    },
  };
}

export function reverted(d: LoadedDeployment, rv: Revert, now: Date): Ending {
  const aborted = rv.outcome === 'aborted';
  return {
    patch: { state: rv.outcome, phase: rv.outcome, finishedAt: now, activeFor: null, reason: rv.reason },
    events: [
      {
        type: aborted ? 'deployment_aborted' : 'deployment_failed',
        message: `${aborted ? 'Aborted' : 'Failed'}: ${rv.reason}${rv.markBad ? `. v${d.toVersion.semver} marked bad` : ''}`,
        data: { reason: rv.reason, markedBad: rv.markBad, version: d.toVersion.semver },
      },
    ],
    extra: async (tx) => {
      if (rv.markBad) await tx.version.update({ where: { id: d.toVersion.id }, data: { bad: true, badReason: rv.reason, markedBadAt: now } });
    },
  };
}
