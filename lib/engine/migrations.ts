/**
 * Which schema migrations a rollback undoes. Rolling back to a version undoes what every version
 * that went live after it (the current one included, and one still in flight) applied — except
 * the migrations the target itself declares, which its code expects. Irreversible ones refuse
 * the rollback unless an admin overrides with a reason; reversible ones run their down hook
 * before the traffic moves back, newest first (the reverse of the order they were applied in).
 */
import { AppError } from '../errors/app-error';
import type { HistoryEntry, Migration, MigrationDown } from './types';

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
  history: HistoryEntry[];
  versions: VersionMigrations[];
  targetVersionId: string;
  /** A deployment in flight that is being rolled back: its version counts as newest. */
  inFlightVersionId?: string | null;
}): MigrationsToUndo {
  const byId = new Map(input.versions.map((v) => [v.id, v]));
  const newestFirst = input.history
    .map((entry, i) => ({ entry, i }))
    .sort((a, b) => b.entry.from - a.entry.from || b.i - a.i)
    .map(({ entry }) => entry.versionId);
  const since: string[] = input.inFlightVersionId ? [input.inFlightVersionId] : [];
  for (const versionId of newestFirst) {
    if (versionId === input.targetVersionId) break;
    since.push(versionId);
  }
  const kept = new Set((byId.get(input.targetVersionId)?.migrations ?? []).map((m) => m.id));
  const seen = new Set<string>();
  const undone: UndoneMigration[] = [];
  const downs: MigrationDown[] = [];
  for (const versionId of since) {
    const v = byId.get(versionId);
    if (!v) continue;
    for (const m of [...v.migrations].reverse()) {
      if (kept.has(m.id) || seen.has(m.id)) continue;
      seen.add(m.id);
      const action = !m.reversible ? 'irreversible' : m.down ? 'down_hook' : 'nothing_to_run';
      undone.push({ version: v.semver, id: m.id, reversible: m.reversible, action });
      if (m.down) downs.push({ version: v.semver, migration: m.id, hook: m.down });
    }
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
