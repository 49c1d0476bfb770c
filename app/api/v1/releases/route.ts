import { actorOf, handler, readJson, serviceContext } from '@/lib/api/http';
import { servicesOfReleaseBody } from '@/lib/auth/targets';
import { createRelease, listReleases } from '@/lib/services';

export const dynamic = 'force-dynamic';

/** Deployers; a scoped deployer only for releases whose every item is in scope. */
export const POST = handler(
  'deployer',
  async (req) => Response.json(await createRelease(serviceContext(), await readJson(req), actorOf(req)), { status: 202 }),
  { services: (req) => servicesOfReleaseBody(req), action: 'release.create' },
);

/** Releases, newest first (viewers). */
export const GET = handler('viewer', async (_req, _ctx, db) => ({ releases: await listReleases(db) }));
