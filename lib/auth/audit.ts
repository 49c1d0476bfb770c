/**
 * The audit log: every mutation and every refused attempt — who, when, what, on what, and
 * how it ended. Append-only; readable by admins (GET /api/v1/audit).
 */
import { z } from 'zod';
import type { Db } from '../db/client';
import type { Prisma } from '../db/client';
import { parseInput } from '../services/validate';

/** How a call ended, as the audit log records it ('aborted': the client left before its request was complete). */
export const OUTCOMES = ['ok', 'denied', 'unauthenticated', 'rejected', 'rate_limited', 'aborted', 'error'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface AuditInput {
  actor: string;
  action: string;
  target?: string;
  outcome: Outcome;
  status: number;
  ip?: string | null;
  details?: Record<string, unknown>;
}

// PostgreSQL stores no NUL in text or jsonb, and hostile input (echoed in an error message)
// may carry one: the audit row must still be written.
const clean = (s: string) => s.replaceAll('\u0000', '\uFFFD');

/** Never throws: a failing audit write is logged, not turned into a failed request. */
export async function audit(db: Db, e: AuditInput): Promise<void> {
  try {
    await db.auditEntry.create({
      data: {
        actor: clean(e.actor.slice(0, 320)),
        action: clean(e.action.slice(0, 200)),
        target: clean((e.target ?? '').slice(0, 500)),
        outcome: e.outcome,
        status: e.status,
        ip: e.ip ? clean(e.ip.slice(0, 100)) : null,
        details: JSON.parse(clean(JSON.stringify(e.details ?? {})).replaceAll('\\u0000', '\\ufffd')) as Prisma.InputJsonValue,
      },
    });
  } catch (err) {
    console.error('[audit] could not record', e.action, (err as Error).message);
  }
}

export const auditQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(100),
    /** Entries with an id below this (paging backwards). */
    before: z.coerce.bigint().positive().optional(),
    actor: z.string().max(320).regex(/^[^\u0000]*$/, 'must not contain NUL').optional(),
    outcome: z.enum(OUTCOMES).optional(),
    action: z.string().max(200).regex(/^[^\u0000]*$/, 'must not contain NUL').optional(),
  })
  .strict();

export async function listAudit(db: Db, query: unknown) {
  const q = parseInput(auditQuerySchema, query);
  const rows = await db.auditEntry.findMany({
    where: {
      ...(q.before ? { id: { lt: q.before } } : {}),
      ...(q.actor ? { actor: q.actor } : {}),
      ...(q.outcome ? { outcome: q.outcome } : {}),
      ...(q.action ? { action: q.action } : {}),
    },
    orderBy: { id: 'desc' },
    take: q.limit,
  });
  return rows.map((r) => ({ ...r, id: r.id.toString(), at: r.at.toISOString() }));
}
