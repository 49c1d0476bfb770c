import { handler } from '@/lib/api/http';
import { cookieValue, SESSION_COOKIE } from '@/lib/auth/principal';
import { clearSessionCookie, logout } from '@/lib/auth/sessions';

export const dynamic = 'force-dynamic';

export const POST = handler(
  'viewer',
  async (req, _ctx, db) => {
    await logout(db, cookieValue(req.headers.get('cookie'), SESSION_COOKIE));
    return Response.json({ ok: true }, { headers: { 'set-cookie': clearSessionCookie() } });
  },
  { action: 'logout' },
);
