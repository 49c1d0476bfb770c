/**
 * Pages need a signed-in user: a page request without a valid session goes to /login. The
 * check asks this server's own /api/v1/auth/me (Proxy is not meant to share modules or a
 * database pool with the app), so a forged or expired cookie is caught here too. API routes
 * answer 401 themselves; pages and server actions check again with requireUser() / guardedAction().
 */
import { NextResponse, type NextRequest } from 'next/server';

const SESSION_COOKIE = 'fd_session';

export async function proxy(req: NextRequest) {
  const cookie = req.cookies.get(SESSION_COOKIE)?.value;
  if (cookie) {
    try {
      // This very server, over loopback: the public origin may be a TLS proxy's name.
      const self = process.env.FLIGHTDECK_INTERNAL_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;
      const me = await fetch(new URL('/api/v1/auth/me', self), { headers: { cookie: `${SESSION_COOKIE}=${encodeURIComponent(cookie)}` }, cache: 'no-store' });
      if (me.ok) return NextResponse.next();
    } catch {
      /* fall through to sign-in */
    }
  }
  const login = new URL('/login', req.nextUrl.origin);
  const next = req.nextUrl.pathname + req.nextUrl.search;
  if (next !== '/') login.searchParams.set('next', next);
  const res = NextResponse.redirect(login);
  if (cookie) res.cookies.delete(SESSION_COOKIE);
  return res;
}

export const config = {
  // Everything but the API (401 on its own), sign-in, metrics, Next's assets and favicon.
  matcher: ['/((?!api/|login|metrics|_next/static|_next/image|favicon.ico).*)'],
};
