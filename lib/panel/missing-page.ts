/**
 * Real 404 statuses for the pages about one thing. Pages stream (the loading boundary sends
 * the first bytes, and with them a 200, before the page has read anything), so a page that
 * finds nothing can show "Not found" but no longer change the status. The server asks here
 * first, for a signed-in person's document request: is the service, deployment or release
 * this path names missing? Anonymous requests are not answered here (sign-in comes first,
 * and nobody learns what exists without it); client-side navigations keep the page's own
 * not-found view.
 */
import type { Db } from '../db/client';
import { resolvePrincipal } from '../auth/principal';
import { isUuid } from '../services/validate';

type Lookup = (db: Db, value: string, query: URLSearchParams) => Promise<boolean>;

const PAGES: Array<[RegExp, Lookup]> = [
  [
    /^\/services\/([^/]+)$/,
    async (db, name, q) => {
      const env = q.get('environment');
      const [service, environment] = await Promise.all([db.service.findUnique({ where: { name }, select: { id: true } }), env === null ? true : db.environment.findUnique({ where: { name: env }, select: { id: true } })]);
      return service !== null && environment !== null;
    },
  ],
  [/^\/deployments\/([^/]+)$/, async (db, id) => isUuid(id) && (await db.deployment.count({ where: { id } })) > 0],
  [/^\/releases\/([^/]+)$/, async (db, id) => isUuid(id) && (await db.release.count({ where: { id } })) > 0],
];

/** True when `url` is one of those pages, the cookie belongs to a signed-in person, and the thing it names does not exist. */
export async function isMissingPage(db: Db, url: string, cookie: string | undefined): Promise<boolean> {
  const parsed = new URL(url, 'http://localhost');
  const page = PAGES.map(([re, lookup]) => [re.exec(parsed.pathname), lookup] as const).find(([m]) => m);
  if (!page || !cookie) return false;
  let value: string;
  try {
    value = decodeURIComponent(page[0]![1]!);
  } catch {
    return false;
  }
  if (!(await resolvePrincipal(db, { cookie }).catch(() => null))) return false;
  return !(await page[1](db, value, parsed.searchParams));
}
