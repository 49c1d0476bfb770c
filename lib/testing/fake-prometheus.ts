/**
 * A stand-in for Prometheus's HTTP query API (GET /api/v1/query?query=…&time=…) over counters a
 * test supplies, for the Kubernetes runtime's request counts and canary analysis on PromQL.
 * It evaluates the part of PromQL those queries use — selectors with =, !=, =~, !~ matchers,
 * increase()/rate() over a range, sum and sum by, vector(n), `or`, + - * / and parentheses —
 * with Prometheus's answers where they matter here: a selector matching no series gives an
 * empty vector (so sum() of it is empty too: no data, not zero), and 0/0 is NaN.
 * Counters have exact values at any time (no scrape interval, no extrapolation).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** The series of `metric` that exist at `atMs`, each with its counter value then. */
export type SeriesSource = (metric: string, atMs: number) => Sample[];

type Value = { kind: 'vector'; samples: Sample[] } | { kind: 'scalar'; value: number };

const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export class PromQLError extends Error {}

function tokenize(q: string): string[] {
  const out: string[] = [];
  const re = /\s*(?:("(?:[^"\\]|\\.)*")|(=~|!~|!=|==|[(){}[\],=+\-*/])|(\d+(?:\.\d+)?(?:ms|s|m|h|d)?)|([A-Za-z_:][A-Za-z0-9_:]*))/y;
  let i = 0;
  while (i < q.length) {
    if (/^\s*$/.test(q.slice(i))) break;
    re.lastIndex = i;
    const m = re.exec(q);
    if (!m) throw new PromQLError(`unexpected character at ${i}: ${JSON.stringify(q.slice(i, i + 10))}`);
    out.push(m[1] ?? m[2] ?? m[3] ?? m[4]!);
    i = re.lastIndex;
  }
  return out;
}

const key = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));

class Evaluator {
  private i = 0;
  constructor(
    private readonly t: string[],
    private readonly atMs: number,
    private readonly source: SeriesSource,
  ) {}

  private peek(): string | undefined {
    return this.t[this.i];
  }

  private next(expected?: string): string {
    const tok = this.t[this.i++];
    if (tok === undefined || (expected !== undefined && tok !== expected)) throw new PromQLError(`expected ${expected ?? 'more'}, got ${tok ?? 'the end'}`);
    return tok;
  }

  run(): Value {
    const v = this.or();
    if (this.i < this.t.length) throw new PromQLError(`unexpected ${this.t[this.i]}`);
    return v;
  }

  private or(): Value {
    let left = this.additive();
    while (this.peek() === 'or') {
      this.next();
      const right = this.additive();
      const l = vec(left);
      const seen = new Set(l.map((s) => key(s.labels)));
      left = { kind: 'vector', samples: [...l, ...vec(right).filter((s) => !seen.has(key(s.labels)))] };
    }
    return left;
  }

  private additive(): Value {
    let left = this.multiplicative();
    while (this.peek() === '+' || this.peek() === '-') {
      const op = this.next();
      left = binary(left, this.multiplicative(), op === '+' ? (a, b) => a + b : (a, b) => a - b);
    }
    return left;
  }

  private multiplicative(): Value {
    let left = this.unary();
    while (this.peek() === '*' || this.peek() === '/') {
      const op = this.next();
      left = binary(left, this.unary(), op === '*' ? (a, b) => a * b : (a, b) => a / b);
    }
    return left;
  }

  private unary(): Value {
    const tok = this.next();
    if (tok === '(') {
      const v = this.or();
      this.next(')');
      return v;
    }
    if (/^\d/.test(tok)) return { kind: 'scalar', value: Number(tok) };
    if (tok === 'sum') return this.sum();
    if (tok === 'increase' || tok === 'rate') {
      this.next('(');
      const { metric, matchers } = this.selector(this.next());
      this.next('[');
      const m = DURATION.exec(this.next());
      if (!m) throw new PromQLError('expected a range duration such as 300s');
      this.next(']');
      this.next(')');
      const rangeMs = Number(m[1]) * UNIT_MS[m[2]!]!;
      const before = new Map(this.source(metric, this.atMs - rangeMs).map((s) => [key(s.labels), s.value]));
      const samples = this.source(metric, this.atMs)
        .filter((s) => matchers.every((f) => f(s.labels)))
        .map((s) => {
          const inc = s.value - (before.get(key(s.labels)) ?? 0);
          return { labels: s.labels, value: tok === 'rate' ? inc / (rangeMs / 1000) : inc };
        });
      return { kind: 'vector', samples };
    }
    if (tok === 'vector') {
      this.next('(');
      const n = Number(this.next());
      this.next(')');
      return { kind: 'vector', samples: [{ labels: {}, value: n }] };
    }
    const { metric, matchers } = this.selector(tok);
    return { kind: 'vector', samples: this.source(metric, this.atMs).filter((s) => matchers.every((f) => f(s.labels))) };
  }

  private sum(): Value {
    let by: string[] | null = null;
    if (this.peek() === 'by') {
      this.next();
      this.next('(');
      by = [];
      while (this.peek() !== ')') {
        by.push(this.next());
        if (this.peek() === ',') this.next();
      }
      this.next(')');
    }
    this.next('(');
    const inner = vec(this.or());
    this.next(')');
    const groups = new Map<string, Sample>();
    for (const s of inner) {
      const labels = Object.fromEntries((by ?? []).filter((l) => l in s.labels).map((l) => [l, s.labels[l]!]));
      const g = groups.get(key(labels)) ?? { labels, value: 0 };
      g.value += s.value;
      groups.set(key(labels), g);
    }
    return { kind: 'vector', samples: [...groups.values()] };
  }

  private selector(metric: string): { metric: string; matchers: Array<(l: Record<string, string>) => boolean> } {
    if (!/^[A-Za-z_:]/.test(metric)) throw new PromQLError(`expected a metric name, got ${metric}`);
    const matchers: Array<(l: Record<string, string>) => boolean> = [];
    if (this.peek() !== '{') return { metric, matchers };
    this.next('{');
    while (this.peek() !== '}') {
      const label = this.next();
      const op = this.next();
      const value = JSON.parse(this.next()) as string;
      const re = new RegExp(`^(?:${value})$`);
      const get = (l: Record<string, string>) => l[label] ?? '';
      if (op === '=') matchers.push((l) => get(l) === value);
      else if (op === '!=') matchers.push((l) => get(l) !== value);
      else if (op === '=~') matchers.push((l) => re.test(get(l)));
      else if (op === '!~') matchers.push((l) => !re.test(get(l)));
      else throw new PromQLError(`unknown matcher ${op}`);
      if (this.peek() === ',') this.next();
    }
    this.next('}');
    return { metric, matchers };
  }
}

function vec(v: Value): Sample[] {
  if (v.kind === 'vector') return v.samples;
  throw new PromQLError('expected a vector');
}

function binary(a: Value, b: Value, op: (x: number, y: number) => number): Value {
  if (a.kind === 'scalar' && b.kind === 'scalar') return { kind: 'scalar', value: op(a.value, b.value) };
  if (a.kind === 'scalar') return { kind: 'vector', samples: vec(b).map((s) => ({ labels: s.labels, value: op(a.value, s.value) })) };
  if (b.kind === 'scalar') return { kind: 'vector', samples: a.samples.map((s) => ({ labels: s.labels, value: op(s.value, b.value) })) };
  const right = new Map(b.samples.map((s) => [key(s.labels), s.value]));
  return { kind: 'vector', samples: a.samples.filter((s) => right.has(key(s.labels))).map((s) => ({ labels: s.labels, value: op(s.value, right.get(key(s.labels))!) })) };
}

export function evaluatePromQL(query: string, atMs: number, source: SeriesSource): Value {
  return new Evaluator(tokenize(query), atMs, source).run();
}

export interface FakePrometheus {
  url: string;
  /** Every query asked, in order. */
  queries: string[];
  /** While true, every query answers 503 (Prometheus down). */
  down: boolean;
  close(): Promise<void>;
}

export async function startFakePrometheus(source: SeriesSource): Promise<FakePrometheus> {
  const state = { down: false };
  const queries: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const reply = (code: number, body: object) => res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url.pathname !== '/api/v1/query') return reply(404, { status: 'error', errorType: 'not_found', error: 'not found' });
    if (state.down) return reply(503, { status: 'error', errorType: 'unavailable', error: 'service unavailable' });
    const query = url.searchParams.get('query') ?? '';
    const time = Number(url.searchParams.get('time') ?? Date.now() / 1000);
    queries.push(query);
    try {
      const v = evaluatePromQL(query, time * 1000, source);
      const text = (n: number) => (Number.isNaN(n) ? 'NaN' : String(n));
      if (v.kind === 'scalar') return reply(200, { status: 'success', data: { resultType: 'scalar', result: [time, text(v.value)] } });
      reply(200, { status: 'success', data: { resultType: 'vector', result: v.samples.map((s) => ({ metric: s.labels, value: [time, text(s.value)] })) } });
    } catch (e) {
      reply(400, { status: 'error', errorType: 'bad_data', error: (e as Error).message });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    queries,
    get down() {
      return state.down;
    },
    set down(v: boolean) {
      state.down = v;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
