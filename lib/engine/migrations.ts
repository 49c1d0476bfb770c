/**
 * Which schema migrations a rollback undoes. The schema's state is replayed from the release
 * history: a version going live by a deployment applies its migrations; one going live by a
 * rollback had every reversible migration it does not declare undone (irreversible ones stay).
 * Rolling back to a version then undoes what is applied and the target does not declare — plus
 * the migrations of a deployment still in flight. Irreversible ones refuse the rollback unless an
 * admin overrides with a reason (each time: they stay applied); reversible ones run their down
 * hook before the traffic moves back, newest first (the reverse of the order they were applied in).
 */
import { AppError } from '../errors/app-error';
import type { HistoryEntry, Migration, MigrationDown } from './types';

/** A release-history entry, with how its version went live. */
export type MigrationHistoryEntry = HistoryEntry & { kind?: 'deploy' | 'rollback' };

export interface VersionMigrations {
  id: string;
  semver: string;
  migrations: Migration[];
}

export interface UndoneMigration {
  version: string;
  id: string;
  reversible: boolean;
  /** What happens to it: its down hook runs, it needs none, or it cannot be undone. */
  action: 'down_hook' | 'nothing_to_run' | 'irreversible';
}

export interface MigrationsToUndo {
  undone: UndoneMigration[];
  irreversible: UndoneMigration[];
  downs: MigrationDown[];
}

export function migrationsToUndo(input: {
  history: MigrationHistoryEntry[];
  versions: VersionMigrations[];
  targetVersionId: string;
  /** A deployment in flight that is being rolled back: its version counts as newest. */
  inFlightVersionId?: string | null;
}): MigrationsToUndo {
  const byId = new Map(input.versions.map((v) => [v.id, v]));
  const declares = (versionId: string | null | undefined, id: string) => (byId.get(versionId ?? '')?.migrations ?? []).some((m) => m.id === id);
  const oldestFirst = input.history
    .map((entry, i) => ({ entry, i }))
    .sort((a, b) => a.entry.from - b.entry.from || a.i - b.i)
    .map(({ entry }) => entry);
  // Replay: what is applied now, in the order it was applied.
  let applied: Array<Migration & { version: string }> = [];
  const apply = (versionId: string) => {
    const v = byId.get(versionId);
    for (const m of v?.migrations ?? []) if (!applied.some((a) => a.id === m.id)) applied.push({ ...m, version: v!.semver });
  };
  for (const e of oldestFirst) {
    if (e.kind === 'rollback') applied = applied.filter((a) => !a.reversible || declares(e.versionId, a.id));
    else apply(e.versionId);
  }
  if (input.inFlightVersionId) apply(input.inFlightVersionId);
  const undone: UndoneMigration[] = [];
  const downs: MigrationDown[] = [];
  for (const m of [...applied].reverse()) {
    if (declares(input.targetVersionId, m.id)) continue;
    const action = !m.reversible ? 'irreversible' : m.down ? 'down_hook' : 'nothing_to_run';
    undone.push({ version: m.version, id: m.id, reversible: m.reversible, action });
    if (m.down) downs.push({ version: m.version, migration: m.id, hook: m.down });
  }
  return { undone, irreversible: undone.filter((m) => m.action === 'irreversible'), downs };
}

/** The 409 for a rollback past irreversible migrations, naming each. */
export function irreversibleRefusal(service: string, target: string, irreversible: UndoneMigration[]): AppError {
  const named = irreversible.map((m) => `${m.id} (v${m.version})`).join(', ');
  return new AppError(
    'conflict',
    `rolling ${service} back to v${target} passes irreversible migration${irreversible.length === 1 ? '' : 's'} ${named} — an admin may override with a reason`,
    { migrations: irreversible },
  );
}
