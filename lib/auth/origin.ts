/**
 * Cross-site request refusal for cookie-authenticated mutations (and server actions): the
 * browser's Origin (or, without one, Sec-Fetch-Site) must name this very site. Bearer-token
 * calls carry no ambient credentials, so they need no such check.
 */
export function sameOrigin(headers: Headers, requestUrl?: string): boolean {
  const origin = headers.get('origin');
  const host = headers.get('x-forwarded-host') ?? headers.get('host') ?? (requestUrl ? new URL(requestUrl).host : null);
  if (origin) {
    if (origin === 'null' || !host) return false;
    try {
      return new URL(origin).host === host;
    } catch {
      return false;
    }
  }
  const site = headers.get('sec-fetch-site');
  if (site) return site === 'same-origin' || site === 'none';
  // Neither header: not a browser (curl, scripts). A browser always sends Origin on a
  // cross-site POST, so the cookie cannot have been sent by a forged cross-site form.
  return true;
}
