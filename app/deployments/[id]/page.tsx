import { requireUser } from '@/lib/auth/next';
import { getDeployment, serviceContext } from '@/lib/services';
import { orNotFound } from '@/lib/panel/not-found';
import { DeploymentLive, type DeploymentView } from '@/components/deployments/deployment-live';

export const dynamic = 'force-dynamic';

/** Deployment (live): phase, progress, traffic split, instances, ordered timeline, canary analysis, controls. */
export default async function DeploymentPage({ params }: { params: Promise<{ id: string }> }) {
  await requireUser();
  const { id } = await params;
  const d = await orNotFound(getDeployment(serviceContext().db, id));
  return <DeploymentLive key={d.id} initial={JSON.parse(JSON.stringify(d)) as DeploymentView} />;
}
