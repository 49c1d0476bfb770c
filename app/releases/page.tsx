import type { Metadata } from 'next';
import Link from 'next/link';
import { requireUser } from '@/lib/auth/next';
import { getService, listReleases, listServices, serviceContext } from '@/lib/services';
import { ReleaseForm } from '@/components/releases/release-form';
import { StateBadge } from '@/components/ui/badge';
import { Empty, Section } from '@/components/ui/states';
import { Ago } from '@/components/ui/time';

export const metadata: Metadata = { title: 'Releases' };

export const dynamic = 'force-dynamic';

/** Releases: create a multi-service release; past and running releases. */
export default async function ReleasesPage() {
  await requireUser();
  const db = serviceContext().db;
  const [services, releases] = await Promise.all([listServices(db), listReleases(db)]);
  const detailed = await Promise.all(services.map((s) => getService(db, s.name)));
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">Releases</h1>
      <Section title="New release">
        <ReleaseForm services={detailed.map((s) => ({ name: s.name, liveVersion: s.liveVersion, dependencies: s.dependencies, versions: s.versions.map((v) => ({ version: v.version, bad: v.bad })) }))} />
      </Section>
      <Section title="Recent releases">
        {releases.length === 0 ? (
          <Empty>No releases yet.</Empty>
        ) : (
          <ul className="divide-y divide-zinc-200 text-sm dark:divide-zinc-800" data-testid="release-list">
            {releases.map((r) => (
              <li key={r.id} className="flex items-center gap-3 py-1.5">
                <StateBadge state={r.state} />
                <Link href={`/releases/${r.id}`} className="flex-1 truncate hover:underline">
                  {r.items.map((i) => `${i.service} v${i.version}`).join(', ')}
                </Link>
                <span className="text-xs text-muted">{r.waves.length} wave(s) · by {r.actor}</span>
                <span className="w-24 text-right text-xs text-muted">
                  <Ago iso={r.createdAt} />
                </span>
              </li>
            ))}
          </ul>
        )}
      </Section>
    </div>
  );
}
