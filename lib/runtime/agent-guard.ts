/**
 * What a runtime agent checks before it acts, and what it writes down:
 *  - the caller's token (a per-agent secret; compared in constant time over its SHA-256, so
 *    neither its length nor its prefix leaks through timing);
 *  - the fencing token of every mutating call, against the highest seen per (scope, service).
 *    The book is kept on disk (written atomically), so an agent restarted after a crash still
 *    refuses a worker whose lease was taken over while it was down;
 *  - an audit trail (JSON lines): every refused call and every change, with who asked from where.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Fence } from './types';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** A token checker: true only for exactly `expected`. */
export function tokenChecker(expected: string): (presented: string | null) => boolean {
  const want = digest(expected);
  return (presented) => presented !== null && timingSafeEqual(digest(presented), want);
}

/** The bearer token of an Authorization header, or null. */
export function bearerToken(header: string | undefined): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m ? m[1]! : null;
}

/** Read an agent token file: one line, at least 16 characters (a guessable token is refused). */
export function readTokenFile(file: string): string {
  if (!existsSync(file)) throw new Error(`token file ${file} does not exist`);
  const token = readFileSync(file, 'utf8').trim();
  if (token.length < 16) throw new Error(`token file ${file} must hold a token of at least 16 characters (got ${token.length})`);
  if (/\s/.test(token)) throw new Error(`token file ${file} must hold one token without spaces`);
  return token;
}

export type FenceCheck = { ok: true } | { ok: false; current: number };

/** The highest fencing token seen per scope and service, kept in `file` when given. */
export class FenceBook {
  private book: Record<string, Record<string, number>> = {};

  constructor(private readonly file: string | null) {
    if (file && existsSync(file)) {
      try {
        this.book = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, number>>;
      } catch {
        // A torn write cannot happen (rename is atomic); an unreadable book is a damaged disk:
        // refuse to guess, and start from what the next caller proves.
        this.book = {};
      }
    }
  }

  /** Accept `fence` when it is not lower than the highest seen, remembering it first. */
  check(scope: string | null, fence: Fence): FenceCheck {
    const key = scope ?? '';
    const current = this.book[key]?.[fence.service] ?? 0;
    if (fence.token < current) return { ok: false, current };
    if (fence.token > current) {
      this.book[key] = { ...this.book[key], [fence.service]: fence.token };
      this.persist();
    }
    return { ok: true };
  }

  current(scope: string | null, service: string): number {
    return this.book[scope ?? '']?.[service] ?? 0;
  }

  private persist(): void {
    if (!this.file) return;
    mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.book));
    renameSync(tmp, this.file);
  }
}

export interface AgentAuditEntry {
  at: string;
  /** Caller's address. */
  from: string;
  method: string;
  scope: string | null;
  /** ok | unauthenticated | stale_fence | deadline | error */
  outcome: string;
  service?: string;
  detail?: string;
}

/** Append-only audit trail of an agent (JSON lines), or nothing when it has no state folder. */
export class AgentAudit {
  constructor(
    private readonly file: string | null,
    private readonly log?: (m: string) => void,
  ) {
    if (file) mkdirSync(path.dirname(file), { recursive: true });
  }

  write(e: Omit<AgentAuditEntry, 'at'>): void {
    const entry: AgentAuditEntry = { at: new Date().toISOString(), ...e };
    if (e.outcome !== 'ok') this.log?.(`refused ${e.method} from ${e.from}: ${e.outcome}${e.detail ? ` (${e.detail})` : ''}`);
    if (this.file) appendFileSync(this.file, `${JSON.stringify(entry)}\n`);
  }

  /** Every entry so far (tests, the agent's own tools). */
  static read(file: string): AgentAuditEntry[] {
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as AgentAuditEntry);
  }
}
