import { AppError } from '../errors/app-error';
import { hasRole, type Principal } from './roles';

/** Deploying through a spent error budget's freeze (`override: true`) is an admin's call. */
export function assertMayOverrideFreeze(p: Principal, body: unknown): void {
  const override = typeof body === 'object' && body !== null && (body as { override?: unknown }).override === true;
  if (override && !hasRole(p, 'admin')) {
    throw new AppError('forbidden', `${p.actor} is a ${p.role}; overriding a deploy freeze needs the admin role`, { required: 'admin', role: p.role });
  }
}
