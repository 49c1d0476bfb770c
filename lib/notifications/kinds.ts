/**
 * What people can be told about, and which timeline event tells it. Every outcome worth a
 * page is here: a deployment failed or aborted, a version rolled back, a deployment paused for
 * a person (inconclusive analysis, approval, a platform fault), a gate refused a deployment, a
 * lease broken by an admin, a rollback hook that failed without blocking the rollback.
 */
export const NOTIFICATION_KINDS = ['failed', 'aborted', 'rolled_back', 'paused', 'gate_refused', 'lease_broken', 'rollback_hook_failed'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** The notification a timeline event stands for, if any. */
export function kindOfEvent(type: string, data: Record<string, unknown> = {}): NotificationKind | null {
  switch (type) {
    case 'deployment_failed':
      return 'failed';
    case 'deployment_aborted':
      // An abort a rollback asked for is told once, as the rollback.
      return data.byRollback === true ? null : 'aborted';
    case 'rolled_back':
      return 'rolled_back';
    case 'analysis_inconclusive':
    case 'awaiting_approval':
      return 'paused';
    case 'runtime_fault':
      return data.paused === true ? 'paused' : null;
    case 'lease_broken':
      return 'lease_broken';
    case 'hook_failed':
      return data.blocking === false ? 'rollback_hook_failed' : null;
    default:
      return null;
  }
}
