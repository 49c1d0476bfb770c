import { actorOf, handler, readJson, serviceContext, type Params } from '@/lib/api/http';
import { breakLease } from '@/lib/services';

export const dynamic = 'force-dynamic';

/** Admins (body: optional `{reason}`): take a stuck service's lease from its worker; another worker resumes the deployment. */
export const POST = handler(
  'admin',
  async (req, { params }: Params<{ name: string }>) => breakLease(serviceContext(), (await params).name, await readJson(req), actorOf(req)),
  { services: async (_req, { params }) => [(await params).name], action: 'lease.break' },
);
