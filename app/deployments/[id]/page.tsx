import { requireUser } from '@/lib/auth/next';
import { getDeployment, serviceContext } from '@/lib/services';
import { orNotFound } from '@/lib/panel/not-found';
import { titled } from '@/lib/panel/titles';
import { capitalised, deploymentTitle } from '@/lib/panel/words';
import { DeploymentLive, type DeploymentView } from '@/components/deployments/deployment-live';

export const dynamic = 'force-dynamic';

type Props = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Props) {
  const { id } = await params;
  return titled(async () => {
    const d = await getDeployment(serviceContext().db, id);
    return `${capitalised(deploymentTitle(d))} · ${d.service} in ${d.environment}`;
  });
}

/** Deployment (live): phase, progress, traffic split, instances, ordered timeline, canary analysis, controls. */
export default async function DeploymentPage({ params }: Props) {
  await requireUser();
  const { id } = await params;
  const d = await orNotFound(getDeployment(serviceContext().db, id));
  return <DeploymentLive key={d.id} initial={JSON.parse(JSON.stringify(d)) as DeploymentView} />;
}
