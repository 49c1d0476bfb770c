import { actorOf, handler, readJson, serviceContext } from '@/lib/api/http';
import { createRelease } from '@/lib/services';

export const dynamic = 'force-dynamic';

export const POST = handler(async (req) => Response.json(await createRelease(serviceContext(), await readJson(req), actorOf(req)), { status: 202 }));
