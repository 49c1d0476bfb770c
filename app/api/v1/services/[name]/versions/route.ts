import { actorOf, handler, readJson, type Params } from '@/lib/api/http';
import { createVersion, listVersions } from '@/lib/services';

export const dynamic = 'force-dynamic';

export const GET = handler('viewer', async (_req, { params }: Params<{ name: string }>, db) => ({ versions: await listVersions(db, (await params).name) }));

/** Deployers (CI registers the versions it built). */
export const POST = handler(
  'deployer',
  async (req, { params }: Params<{ name: string }>, db) =>
    Response.json(await createVersion(db, (await params).name, await readJson(req), actorOf(req)), { status: 201 }),
  { services: async (_req, { params }) => [(await params).name], action: 'version.create' },
);
