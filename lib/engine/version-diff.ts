/**
 * What changes between two versions of a service, for people deciding on a rollback and for
 * "what changed": the versions in between with their commits and changelog links, a link to the
 * commits when the service has a compare-URL template, and the config keys that appear,
 * disappear or change (names only: config values may be secrets).
 */
export interface VersionFacts {
  semver: string;
  commitSha: string | null;
  repositoryUrl: string | null;
  changelogUrl: string | null;
  notes: string;
  config: Record<string, string>;
}

export interface VersionChange {
  /** The versions this change brings in (a deploy) or undoes (a rollback), newest first. */
  versions: Array<{ version: string; commitSha: string | null; changelogUrl: string | null; notes: string }>;
  /** The commits between the two versions, when the template and both commits are known. */
  compareUrl: string | null;
  /** Config keys once the change is done, against before it. */
  config: { added: string[]; removed: string[]; changed: string[] };
}

/** Fill {from}, {to} (commits) and {fromVersion}, {toVersion} in a compare-URL template. */
export function compareUrl(template: string | null, from: VersionFacts, to: VersionFacts): string | null {
  if (!template || !from.commitSha || !to.commitSha) return null;
  const values: Record<string, string> = { from: from.commitSha, to: to.commitSha, fromVersion: from.semver, toVersion: to.semver };
  return template.replace(/\{(from|to|fromVersion|toVersion)\}/g, (_w, k: string) => encodeURIComponent(values[k]!));
}

/**
 * The change from `from` (what serves now) to `to`. `versions` lists what it brings in or
 * undoes — for a rollback the current version and any in between, newest first.
 */
export function versionChange(args: { from: VersionFacts | null; to: VersionFacts; versions: VersionFacts[]; compareUrlTemplate: string | null; direction: 'forward' | 'back' }): VersionChange {
  const before = args.from?.config ?? {};
  const after = args.to.config;
  const keys = (o: Record<string, string>) => Object.keys(o).sort();
  // A rollback undoes commits: the link shows them from the target up to what serves now.
  const link = args.from ? (args.direction === 'back' ? compareUrl(args.compareUrlTemplate, args.to, args.from) : compareUrl(args.compareUrlTemplate, args.from, args.to)) : null;
  return {
    versions: args.versions.map((v) => ({ version: v.semver, commitSha: v.commitSha, changelogUrl: v.changelogUrl, notes: v.notes })),
    compareUrl: link,
    config: {
      added: keys(after).filter((k) => !(k in before)),
      removed: keys(before).filter((k) => !(k in after)),
      changed: keys(after).filter((k) => k in before && before[k] !== after[k]),
    },
  };
}
