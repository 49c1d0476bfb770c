/** The engine's rollback choice, from a service's release-history rows and its versions. */
import { chooseRollbackTarget } from '../engine';

export function chooseFromHistory(args: {
  history: Array<{ versionId: string; from: Date; until: Date | null }>;
  versions: Array<{ id: string; semver: string; bad: boolean }>;
  currentVersionId: string | null;
  toVersion?: string;
  service: string;
}) {
  return chooseRollbackTarget({
    history: args.history.map((h) => ({
      versionId: h.versionId,
      semver: args.versions.find((v) => v.id === h.versionId)?.semver ?? '?',
      from: h.from.getTime(),
      until: h.until?.getTime() ?? null,
    })),
    versions: args.versions.map((v) => ({ id: v.id, semver: v.semver, bad: v.bad })),
    currentVersionId: args.currentVersionId,
    toVersion: args.toVersion,
    service: args.service,
  });
}
