import { getDb } from '@/lib/db/client';
import { listServices } from '@/lib/services';
import { requireUser } from '@/lib/auth/next';

export const dynamic = 'force-dynamic';

/** Overview: every service, its live version and any deployment in flight. */
export default async function OverviewPage() {
  await requireUser();
  const services = await listServices(getDb());
  return (
    <section>
      <h1 className="mb-4 text-xl font-semibold">Services</h1>
      {services.length === 0 ? (
        <p className="text-zinc-500">No services yet. Register one with POST /api/v1/services.</p>
      ) : (
        <table className="w-full text-left text-sm">
          <thead className="text-zinc-500">
            <tr>
              <th className="py-2">Service</th>
              <th>Live version</th>
              <th>Replicas</th>
              <th>Depends on</th>
              <th>In flight</th>
            </tr>
          </thead>
          <tbody>
            {services.map((s) => (
              <tr key={s.id} data-testid={`service-row-${s.name}`} className="border-t border-zinc-200 dark:border-zinc-800">
                <td className="py-2 font-medium">{s.name}</td>
                <td className="font-mono">{s.liveVersion ? `v${s.liveVersion}` : '—'}</td>
                <td>{s.replicas}</td>
                <td>{s.dependencies.join(', ') || '—'}</td>
                <td>{s.activeDeployment ? `${s.activeDeployment.strategy} → v${s.activeDeployment.version} (${s.activeDeployment.phase})` : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
