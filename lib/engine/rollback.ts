/**
 * Which version a rollback goes to.
 *
 * The default target is the version that served immediately before the current one — found by
 * walking the release history backwards — skipping the current version itself and any version
 * marked bad (a version rolled back from is marked bad, so repeated rollbacks never return to
 * it). It never goes further back than that unless those versions are bad.
 */
import { AppError } from '../errors/app-error';
import type { HistoryEntry, VersionInfo } from './types';

export interface RollbackChoice {
  target: VersionInfo;
  /** Versions passed over on the way back, newest first, each with why. */
  skipped: Array<{ semver: string; reason: string }>;
}

export function chooseRollbackTarget(input: {
  history: HistoryEntry[];
  versions: VersionInfo[];
  currentVersionId: string | null;
  toVersion?: string;
  /** Only used to name the service in error messages. */
  service?: string;
}): RollbackChoice {
  const byId = new Map(input.versions.map((v) => [v.id, v]));
  const of = input.service ? `${input.service}` : 'this service';
  // Newest first by start time; equal timestamps keep their given (stable) order, reversed.
  const newestFirst = input.history
    .map((entry, i) => ({ entry, i }))
    .sort((a, b) => b.entry.from - a.entry.from || b.i - a.i)
    .map(({ entry }) => entry);

  const requested = input.toVersion === undefined ? undefined : findRequested(input, of, newestFirst);

  const skipped: RollbackChoice['skipped'] = [];
  const seen = new Set<string>();
  for (const entry of newestFirst) {
    const version = byId.get(entry.versionId);
    if (requested && entry.versionId === requested.id) return { target: requested, skipped };
    if (seen.has(entry.versionId)) continue; // each version is reported once
    seen.add(entry.versionId);
    const semver = version?.semver ?? entry.semver;
    if (entry.versionId === input.currentVersionId) {
      skipped.push({ semver, reason: 'current version' });
    } else if (!version) {
      skipped.push({ semver, reason: 'version no longer registered' });
    } else if (version.bad) {
      skipped.push({ semver, reason: 'marked bad' });
    } else if (requested) {
      skipped.push({ semver, reason: `passed over for the requested ${requested.semver}` });
    } else {
      return { target: version, skipped };
    }
  }
  // Unreachable with a requested version (findRequested checked it served), kept for safety.
  throw new AppError('conflict', `no previous good version of ${of} to roll back to`, {
    service: input.service,
    skipped,
  });
}

/** Validates an explicitly requested rollback target. */
function findRequested(
  input: { versions: VersionInfo[]; currentVersionId: string | null; toVersion?: string; service?: string },
  of: string,
  history: HistoryEntry[],
): VersionInfo {
  const semver = input.toVersion;
  const version = input.versions.find((v) => v.semver === semver);
  if (!version) {
    throw new AppError('not_found', `version ${semver} of ${of} does not exist`, { toVersion: semver });
  }
  if (version.id === input.currentVersionId) {
    throw new AppError('invalid', `version ${semver} is already the current version of ${of}`, { toVersion: semver });
  }
  if (version.bad) {
    throw new AppError('invalid', `version ${semver} is marked bad and cannot be rolled back to`, { toVersion: semver });
  }
  if (!history.some((entry) => entry.versionId === version.id)) {
    throw new AppError('invalid', `version ${semver} never served ${of}; a rollback only returns to a version that served before`, {
      toVersion: semver,
    });
  }
  return version;
}
