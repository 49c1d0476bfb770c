import type { Metadata } from 'next';
import { isAppError } from '../errors/app-error';

/**
 * A page's tab title from a read that may not find its subject: the subject's name, or
 * "Not found" (the page itself then answers the 404 page).
 */
export async function titled(read: () => Promise<string>): Promise<Metadata> {
  try {
    return { title: await read() };
  } catch (e) {
    if (isAppError(e) && e.code === 'not_found') return { title: 'Not found' };
    throw e;
  }
}
