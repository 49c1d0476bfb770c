import { handler } from '@/lib/api/http';
import { openApiDocument } from '@/lib/api/openapi';

export const dynamic = 'force-dynamic';

/** The OpenAPI 3.1 document of REST v1, from the same zod schemas that validate requests. */
export const GET = handler('viewer', async () => openApiDocument());
