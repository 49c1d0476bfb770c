import { actorOf, handler, readJson, type Params } from '@/lib/api/http';
import { getService, updateService, attachedRuntime } from '@/lib/services';

export const dynamic = 'force-dynamic';

/** The service, with its router's stable address when the runtime has one. */
export const GET = handler('viewer', async (req, { params }: Params<{ name: string }>, db) => {
  const environment = new URL(req.url).searchParams.get('environment');
  const service = await getService(db, (await params).name, { environment });
  const runtime = attachedRuntime({ name: service.environment });
  const address = runtime?.serviceAddress ? await runtime.serviceAddress(service.name).catch(() => null) : null;
  return { ...service, address };
});

/** Admins. */
export const PATCH = handler(
  'admin',
  async (req, { params }: Params<{ name: string }>, db) => updateService(db, (await params).name, await readJson(req), actorOf(req)),
  { services: async (_req, { params }) => [(await params).name], action: 'service.update' },
);
