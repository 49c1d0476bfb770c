/**
 * Webhook URLs often carry their secret (Slack's path, a token in the query, a password in the
 * userinfo). Flightdeck stores them to deliver and shows back only where they point: the scheme,
 * the host and port, and "…" for whatever followed.
 */
export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    const rest = u.pathname !== '/' || u.search !== '' || u.hash !== '' || u.username !== '' || u.password !== '';
    return `${u.protocol}//${u.host}${rest ? '/…' : '/'}`;
  } catch {
    return '…';
  }
}
