/**
 * Freeze windows: periods when deploys and promotions are refused (rollbacks never are). A
 * window is one-off (startsAt … endsAt) or recurring (a cron expression opening it, for
 * durationMinutes, in a time zone), for every environment and service or some of them. The
 * answer to "what is frozen" merges overlapping windows into one period.
 */
import { Cron } from 'croner';
import type { Db } from '../db/client';
import { AppError } from '../errors/app-error';
import type { Tx } from '../events/append';
import { mergeIntervals, type FreezeOccurrence } from '../engine';
import { createFreezeWindowSchema } from './environment-schemas';
import { isUuid, parseInput } from './validate';

type DbOrTx = Db | Tx;
type WindowRow = Awaited<ReturnType<Db['freezeWindow']['findMany']>>[number];

const MINUTE = 60_000;
/** How far ahead the list shows upcoming periods. */
const HORIZON_MS = 14 * 24 * 60 * MINUTE;

function invalid(field: string, message: string, value: unknown): never {
  throw new AppError('invalid', `${field}: ${message}`, { field, value });
}

function checkTimeZone(tz: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    invalid('timeZone', `unknown time zone ${JSON.stringify(tz)} (use an IANA name such as Europe/Berlin)`, tz);
  }
}

function cronOf(expr: string, timeZone: string): Cron {
  if (expr.trim().split(/\s+/).length !== 5) invalid('cron', `expected 5 fields (minute hour day-of-month month day-of-week), got ${JSON.stringify(expr)}`, expr);
  try {
    return new Cron(expr, { timezone: timeZone, paused: true });
  } catch (e) {
    return invalid('cron', `${JSON.stringify(expr)} does not parse: ${(e as Error).message}`, expr);
  }
}

/** Occurrences of a window overlapping [from, to). */
export function occurrences(w: Pick<WindowRow, 'id' | 'reason' | 'startsAt' | 'endsAt' | 'cron' | 'durationMinutes' | 'timeZone'>, from: number, to: number): FreezeOccurrence[] {
  if (w.startsAt && w.endsAt) {
    const start = w.startsAt.getTime();
    const end = w.endsAt.getTime();
    return end > from && start < to ? [{ windowId: w.id, reason: w.reason, start, end }] : [];
  }
  if (!w.cron || !w.durationMinutes) return [];
  const duration = w.durationMinutes * MINUTE;
  const cron = cronOf(w.cron, w.timeZone);
  const out: FreezeOccurrence[] = [];
  // An occurrence that opened up to `duration` before `from` still covers it.
  let cursor = new Date(from - duration - 1);
  for (let i = 0; i < 1000; i++) {
    const next = cron.nextRun(cursor);
    if (!next || next.getTime() >= to) break;
    out.push({ windowId: w.id, reason: w.reason, start: next.getTime(), end: next.getTime() + duration });
    cursor = next;
  }
  return out;
}

function applies(w: Pick<WindowRow, 'environments' | 'services'>, environment: string, service: string): boolean {
  return (w.environments.length === 0 || w.environments.includes(environment)) && (w.services.length === 0 || w.services.includes(service));
}

/** Occurrences of every window covering this environment and service, overlapping [from, to). */
export async function freezesFor(db: DbOrTx, environment: string, service: string, from: number, to: number): Promise<FreezeOccurrence[]> {
  const windows = await db.freezeWindow.findMany();
  return windows.filter((w) => applies(w, environment, service)).flatMap((w) => occurrences(w, from, to));
}

function present(w: WindowRow, now: number) {
  const next = occurrences(w, now, now + HORIZON_MS)[0] ?? null;
  return {
    id: w.id,
    reason: w.reason,
    startsAt: w.startsAt?.toISOString() ?? null,
    endsAt: w.endsAt?.toISOString() ?? null,
    cron: w.cron,
    durationMinutes: w.durationMinutes,
    timeZone: w.timeZone,
    environments: w.environments,
    services: w.services,
    createdBy: w.createdBy,
    createdAt: w.createdAt.toISOString(),
    active: next !== null && next.start <= now,
    next: next ? { start: new Date(next.start).toISOString(), end: new Date(next.end).toISOString() } : null,
  };
}

/** Every window, and the frozen periods of the next 14 days with overlapping windows merged. */
export async function listFreezeWindows(db: Db, now: number) {
  const windows = await db.freezeWindow.findMany({ orderBy: { createdAt: 'asc' } });
  const all = windows.flatMap((w) => occurrences(w, now, now + HORIZON_MS).map((o) => ({ ...o, environments: w.environments, services: w.services })));
  const periods = mergeIntervals(all).map((p) => ({
    start: new Date(p.start).toISOString(),
    end: new Date(p.end).toISOString(),
    active: p.start <= now && now < p.end,
    windows: [...new Set(p.parts.map((x) => x.windowId))],
    reasons: [...new Set(p.parts.map((x) => x.reason))],
    environments: p.parts.some((x) => x.environments.length === 0) ? [] : [...new Set(p.parts.flatMap((x) => x.environments))].sort(),
    services: p.parts.some((x) => x.services.length === 0) ? [] : [...new Set(p.parts.flatMap((x) => x.services))].sort(),
  }));
  return { windows: windows.map((w) => present(w, now)), periods };
}

export async function createFreezeWindow(db: Db, input: unknown, actor: string, now: number) {
  const data = parseInput(createFreezeWindowSchema, input);
  checkTimeZone(data.timeZone);
  const oneOff = data.startsAt !== undefined || data.endsAt !== undefined;
  const recurring = data.cron !== undefined || data.durationMinutes !== undefined;
  if (oneOff && recurring) invalid('cron', 'a window is either one-off (startsAt, endsAt) or recurring (cron, durationMinutes), not both', data.cron);
  if (!oneOff && !recurring) invalid('startsAt', 'give startsAt and endsAt (one-off) or cron and durationMinutes (recurring)', undefined);
  if (oneOff) {
    if (!data.startsAt || !data.endsAt) invalid(data.startsAt ? 'endsAt' : 'startsAt', 'a one-off window needs both startsAt and endsAt', data.startsAt ?? data.endsAt);
    if (Date.parse(data.endsAt) <= Date.parse(data.startsAt)) invalid('endsAt', `must be after startsAt (${data.startsAt})`, data.endsAt);
  } else {
    if (!data.cron) invalid('cron', 'a recurring window needs a cron expression', undefined);
    if (!data.durationMinutes) invalid('durationMinutes', 'a recurring window needs a duration in minutes', undefined);
    cronOf(data.cron, data.timeZone);
  }
  const known = new Set((await db.environment.findMany({ select: { name: true } })).map((e) => e.name));
  const unknownEnv = data.environments.filter((e) => !known.has(e));
  if (unknownEnv.length) throw new AppError('not_found', `environments not found: ${unknownEnv.join(', ')}`, { environments: unknownEnv });
  const services = new Set((await db.service.findMany({ where: { name: { in: data.services } }, select: { name: true } })).map((s) => s.name));
  const unknownSvc = data.services.filter((s) => !services.has(s));
  if (unknownSvc.length) throw new AppError('not_found', `services not found: ${unknownSvc.join(', ')}`, { services: unknownSvc });
  const w = await db.freezeWindow.create({
    data: {
      reason: data.reason,
      startsAt: data.startsAt ? new Date(data.startsAt) : null,
      endsAt: data.endsAt ? new Date(data.endsAt) : null,
      cron: data.cron ?? null,
      durationMinutes: data.durationMinutes ?? null,
      timeZone: data.timeZone,
      environments: [...new Set(data.environments)],
      services: [...new Set(data.services)],
      createdBy: actor,
    },
  });
  return present(w, now);
}

export async function deleteFreezeWindow(db: Db, id: string, actor: string) {
  void actor; // recorded by the audit log
  const w = isUuid(id) ? await db.freezeWindow.findUnique({ where: { id } }) : null;
  if (!w) throw new AppError('not_found', `freeze window ${id} not found`, { id });
  await db.freezeWindow.delete({ where: { id } });
  return { deleted: id, reason: w.reason };
}
