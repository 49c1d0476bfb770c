import { actorOf, handler, readJson, serviceContext } from '@/lib/api/http';
import { createRelease, listReleases } from '@/lib/services';

export const dynamic = 'force-dynamic';

export const POST = handler(async (req) => Response.json(await createRelease(serviceContext(), await readJson(req), actorOf(req)), { status: 202 }));

/** Releases, newest first. */
export const GET = handler(async (_req, _ctx, db) => ({ releases: await listReleases(db) }));
