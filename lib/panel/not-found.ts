import { notFound } from 'next/navigation';
import { isAppError } from '../errors/app-error';

/** A page's read: a not_found AppError becomes Next's 404 page; anything else propagates to the error boundary. */
export async function orNotFound<T>(read: Promise<T>): Promise<T> {
  try {
    return await read;
  } catch (e) {
    if (isAppError(e) && e.code === 'not_found') notFound();
    throw e;
  }
}
