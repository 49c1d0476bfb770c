import { clientIp, handler, readJson } from '@/lib/api/http';
import { isHttps, login, sessionSetCookie } from '@/lib/auth/sessions';

export const dynamic = 'force-dynamic';

/** POST {email, password} → the user, and the session cookie. Rate-limited; audits itself. */
export const POST = handler(
  'public',
  async (req, _ctx, db) => {
    const s = await login(db, await readJson(req), { ip: clientIp(req), userAgent: req.headers.get('user-agent') });
    return Response.json({ user: s.user, expiresAt: s.expiresAt.toISOString() }, { headers: { 'set-cookie': sessionSetCookie(s.secret, s.expiresAt, isHttps(req, req.url)) } });
  },
  { action: 'login', audit: false },
);
