import { AppError } from '../errors/app-error';
import { hasRole, type Principal } from './roles';

/** Deploying through a refusing gate (freeze window, promotion, spent error budget) is an admin's call. */
export function assertMayOverrideFreeze(p: Principal, body: unknown): void {
  const value = typeof body === 'object' && body !== null ? (body as { override?: unknown }).override : undefined;
  const override = value !== undefined && value !== null && value !== false;
  if (override && !hasRole(p, 'admin')) {
    throw new AppError('forbidden', `${p.actor} is a ${p.role}; overriding a deployment gate needs the admin role`, { required: 'admin', role: p.role });
  }
}
