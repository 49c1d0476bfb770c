import { getDb } from '@/lib/db/client';

export const dynamic = 'force-dynamic';

export async function GET() {
  const started = Date.now();
  try {
    const rows = await getDb().$queryRaw<Array<{ version: string }>>`SELECT version() AS version`;
    return Response.json({ status: 'ok', database: { ok: true, latencyMs: Date.now() - started, server: rows[0]?.version.split(' ').slice(0, 2).join(' ') } });
  } catch (e) {
    return Response.json({ status: 'degraded', database: { ok: false, error: (e as Error).message } }, { status: 503 });
  }
}
