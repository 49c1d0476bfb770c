/**
 * HAProxy's configuration for the fleet's edge: pure rendering, no I/O.
 *
 * One frontend per (environment, service) on the service's stable port. Each version in
 * rotation holds one of COLORS backends ("colours"), whose servers are that version's
 * instances. The frontend picks a colour per request from one number in a map file: the
 * cumulative shares of the colours packed into one integer. Changing the split between versions
 * is one `set map` over the Runtime API — atomic, so a blue-green switch never lets a request
 * see both colours, and no reload. Within a colour, the version's instances in rotation share
 * its requests evenly; a colour with no usable server is skipped (its share goes to the next
 * colour in rotation) rather than answering 503.
 *
 * Servers come and go over the Runtime API (add/del server, state ready/drain/maint); this
 * rendering also lists them, so a reload (only ever for a new frontend) keeps every server.
 */

export const COLORS = 3;
/**
 * How long HAProxy waits for an instance to accept a connection before trying another one. A
 * server whose host is lost keeps its sessions this long (and a little more) before they are
 * cut: by then every request still connecting to it has gone elsewhere.
 */
export const CONNECT_TIMEOUT_MS = 1000;
/** Shares are in 1/SCALE of the requests: rand(SCALE) picks the colour. */
export const SCALE = 10_000;
/** Each cumulative bound takes five decimal digits of the packed map value. */
const DIGITS = 100_000;

export type ServerState = 'ready' | 'drain' | 'maint';

export interface EdgeServer {
  /** Unique within its backend: "s<slot>-<host>". */
  name: string;
  color: number;
  /** ip:port */
  addr: string;
  state: ServerState;
}

export interface EdgeFrontend {
  /** "<environment>.<service>" */
  key: string;
  port: number;
  /** Per colour, its share of requests (any non-negative numbers; normalised here). */
  shares: number[];
  servers: EdgeServer[];
}

export interface EdgeConfig {
  /** Where the edge listens for every service (0.0.0.0 for every interface). */
  bind: string;
  /** The Runtime API socket. */
  adminSocket: string;
  /** The split map file. */
  mapFile: string;
  /** UDP port on 127.0.0.1 receiving the request log. */
  logPort: number;
  frontends: EdgeFrontend[];
}

export const backendName = (key: string, color: number) => `${key}.c${color}`;
export const noneBackend = (key: string) => `${key}.none`;

/**
 * The packed map value for these shares: cumulative bounds out of SCALE, the first colour in
 * the most significant digits. Shares that round to nothing still keep their colour's bound
 * equal to the previous one, so the colour is out of rotation.
 */
export function packShares(shares: number[]): number {
  if (shares.length !== COLORS) throw new Error(`expected ${COLORS} shares, got ${shares.length}`);
  const total = shares.reduce((a, b) => a + Math.max(0, b), 0);
  let cum = 0;
  let packed = 0;
  shares.forEach((s, i) => {
    const share = total > 0 ? Math.max(0, s) / total : 0;
    cum += share;
    // The last colour with a share closes at SCALE exactly, whatever rounding did before it.
    const last = total > 0 && shares.slice(i + 1).every((x) => x <= 0);
    const bound = total === 0 ? 0 : last && share > 0 ? SCALE : Math.min(SCALE, Math.round(cum * SCALE));
    packed = packed * DIGITS + bound;
  });
  return packed;
}

/** The inverse of packShares: cumulative bounds per colour. */
export function unpackShares(packed: number): number[] {
  const out: number[] = [];
  let v = packed;
  for (let i = 0; i < COLORS; i++) {
    out.unshift(v % DIGITS);
    v = Math.floor(v / DIGITS);
  }
  return out;
}

/** The map file: one line per frontend. */
export function renderMap(frontends: EdgeFrontend[]): string {
  return frontends.map((f) => `${f.key} ${packShares(f.shares)}\n`).join('');
}

function frontendBlock(f: EdgeFrontend, c: EdgeConfig): string[] {
  const lines = [`frontend ${f.key}`, `  bind ${c.bind}:${f.port}`, '  http-request set-var(txn.r) rand(' + SCALE + ')'];
  lines.push(`  http-request set-var(txn.s) str(${f.key}),map_str_int(${c.mapFile},0)`);
  for (let i = 0; i < COLORS; i++) {
    const div = DIGITS ** (COLORS - 1 - i);
    lines.push(`  http-request set-var(txn.b${i}) var(txn.s),div(${div}),mod(${DIGITS})`);
  }
  for (let i = 0; i < COLORS; i++) {
    // in<i>: this request's draw falls under colour i's bound; on<i>: colour i has a share; up<i>: it has a usable server.
    lines.push(`  acl in${i} var(txn.r),sub(txn.b${i}) -m int lt 0`);
    lines.push(i === 0 ? `  acl on0 var(txn.b0) -m int gt 0` : `  acl on${i} var(txn.b${i}),sub(txn.b${i - 1}) -m int gt 0`);
    lines.push(`  acl up${i} nbsrv(${backendName(f.key, i)}) -m int gt 0`);
  }
  for (let i = 0; i < COLORS; i++) lines.push(`  use_backend ${backendName(f.key, i)} if in${i} on${i} up${i}`);
  // The draw's colour has no usable server: any other colour in rotation that has one.
  for (let i = 0; i < COLORS; i++) lines.push(`  use_backend ${backendName(f.key, i)} if on${i} up${i}`);
  lines.push(`  default_backend ${noneBackend(f.key)}`, '');
  return lines;
}

function backendBlock(f: EdgeFrontend, color: number): string[] {
  // No active health checks: Flightdeck decides what is in rotation (its probes, its hosts'
  // heartbeats), and a check that times out on a busy machine would empty a version at once.
  // A refused connection is retried on another instance (see defaults).
  const lines = [`backend ${backendName(f.key, color)}`, '  balance roundrobin', '  default-server weight 100'];
  for (const s of f.servers.filter((x) => x.color === color)) {
    // drain is applied over the Runtime API after a reload; here it can only be "in or out".
    lines.push(`  server ${s.name} ${s.addr}${s.state === 'maint' ? ' disabled' : s.state === 'drain' ? ' weight 0' : ''}`);
  }
  lines.push('');
  return lines;
}

export function renderConfig(c: EdgeConfig): string {
  const out = [
    '# Written by Flightdeck: the fleet edge. Changed at run time over the Runtime API;',
    '# rewritten (and reloaded) only when a service gets its frontend.',
    'global',
    `  stats socket ${c.adminSocket} mode 600 level admin expose-fd listeners`,
    `  log 127.0.0.1:${c.logPort} local0 info`,
    '  maxconn 4000',
    '',
    'defaults',
    '  mode http',
    '  log global',
    '  option dontlognull',
    // backend, server, status, total active time (ms): what latency analysis needs.
    '  log-format "%b %s %ST %Ta"',
    `  timeout connect ${CONNECT_TIMEOUT_MS}`,
    '  timeout client 60s',
    '  timeout server 60s',
    '  timeout http-keep-alive 10s',
    '  timeout queue 5s',
    // Every request gets a connection of its own to its instance (clients keep theirs alive).
    // A request sent over a kept-alive connection to a host that has just fallen off the
    // network is lost: it was written, nothing answers, and it cannot be replayed safely. A
    // request that opens its own connection is still in its connect phase there; when the
    // connect times out (or is refused) it is retried, on another instance each time (a server
    // taken out of rotation meanwhile is never picked again). That is what lets a host vanish
    // between two requests without failing the ones that arrive while it is being declared lost.
    '  option http-server-close',
    '  retries 3',
    '  option redispatch 1',
    // An instance that closes a connection without answering (stopping, crashing): try another.
    '  retry-on conn-failure empty-response junk-response',
    '',
  ];
  for (const f of c.frontends) {
    out.push(...frontendBlock(f, c));
    for (let i = 0; i < COLORS; i++) out.push(...backendBlock(f, i));
    out.push(`backend ${noneBackend(f.key)}`, '');
  }
  return `${out.join('\n')}\n`;
}
