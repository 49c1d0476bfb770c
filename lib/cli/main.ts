/**
 * `flightdeck` — the CLI for CI. Talks to REST API v1 with an API token.
 *
 *   flightdeck versions create --service S --version V [--config K=V]… [--notes N] [--command C] [--image I]
 *   flightdeck deploy --service S --version V [--environment E] [--strategy rolling|blue-green|canary|recreate]
 *                     [--params JSON] [--force] [--override REASON] [--dry-run] [--wait [--wait-through-pauses]] [--timeout SECONDS]
 *   flightdeck promote --service S [--version V] [--to E] [--override REASON] [--dry-run] [--wait [--wait-through-pauses]]
 *   flightdeck approve|reject --deployment ID [--comment TEXT]
 *   flightdeck rollback --service S [--environment E] [--to V] [--wait [--wait-through-pauses]] [--timeout SECONDS]
 *   flightdeck status [--service S [--environment E] | --deployment ID]
 *   flightdeck k8s render --service S --version V --image I [--strategy NAME] [--replicas N] …  (no server, no cluster)
 *
 * A deployment names no environment: it goes to the first one. A gate that refuses (promotion,
 * freeze window, error budget) is a 409 naming it: exit 2.
 *
 * Server and token: --url / FLIGHTDECK_URL (default http://localhost:3000), --token / FLIGHTDECK_TOKEN.
 * Exit status: 0 done (with --wait: the deployment succeeded); 1 the deployment failed or was
 * aborted; 2 bad input or refused (any 4xx: invalid, unauthorised, forbidden, not found,
 * conflict); 3 the outcome is unknown (server unreachable, 5xx, --timeout reached, or — with
 * --wait — the deployment is paused for a person: inconclusive analysis, a runtime fault, a
 * pause, an approval; --wait-through-pauses waits on instead).
 *
 * Every outcome is one line and its exit status, never a stack trace: what was done or how the
 * watched deployment ended on stdout, anything else (refusals, timeouts, pauses) on stderr.
 * With --wait the timeline's events stream to stdout before it, one line each.
 */
import { parseArgs } from 'node:util';
import { K8S_RENDER_USAGE, k8sRender } from './k8s-render';

export const EXIT = { ok: 0, failed: 1, refused: 2, unknown: 3 } as const;

class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  env: Record<string, string | undefined>;
  fetch: typeof fetch;
  sleep: (ms: number) => Promise<void>;
}

const USAGE = `usage: flightdeck [--url URL] [--token TOKEN] <command>
  versions create --service S --version V [--config KEY=VALUE]... [--notes TEXT] [--command CMD] [--image IMAGE]
  deploy   --service S --version V [--environment E] [--strategy NAME] [--params JSON] [--force] [--override REASON] [--dry-run] [--wait [--wait-through-pauses]] [--timeout SECONDS]
  promote  --service S [--version V] [--to ENVIRONMENT] [--override REASON] [--dry-run] [--wait [--wait-through-pauses]] [--timeout SECONDS]
  approve  --deployment ID [--comment TEXT]     (approvers; never your own)
  reject   --deployment ID [--comment TEXT]
  rollback --service S [--environment E] [--to V] [--wait [--wait-through-pauses]] [--timeout SECONDS]
  status   [--service S [--environment E] | --deployment ID]
  k8s render --service S --version V --image I [--strategy NAME] [--replicas N] [--live V] [--namespace NS] [--gateway [NS/]NAME[:LISTENER]]
env: FLIGHTDECK_URL (default http://localhost:3000), FLIGHTDECK_TOKEN
exit: 0 ok/succeeded, 1 failed or aborted, 2 bad input or refused, 3 outcome unknown (unreachable, timeout, paused for a person)`;
const SEE_HELP = '(flightdeck --help for usage)';

const TERMINAL = new Set(['succeeded', 'failed', 'aborted']);
/** States in which nothing happens until a person acts. */
const WAITING_FOR_A_PERSON = new Set(['paused', 'awaiting_approval']);

type TimelineEvent = { seq: number; type: string; message: string; at: string };
/** One line per event; a message spanning lines stays on one. */
const eventLine = (e: TimelineEvent) => `${fmtTime(e.at)}  #${e.seq}  ${e.type.padEnd(22)} ${oneLine(e.message)}`;
const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ' ').trim();

class Api {
  constructor(
    private readonly base: string,
    private readonly token: string,
    private readonly io: Io,
  ) {}

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are JSON the server documents (openapi.json)
  async call<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await this.io.fetch(`${this.base}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), 'user-agent': 'flightdeck-cli' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new CliError(EXIT.unknown, `cannot reach ${this.base}: ${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message}`);
    }
    const text = await res.text();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are JSON the server documents (openapi.json)
    let json: any = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    if (res.ok) return json as T;
    const msg = json?.error ? `${json.error.code}: ${json.error.message}` : `HTTP ${res.status}`;
    throw new CliError(res.status >= 500 ? EXIT.unknown : EXIT.refused, `${method} ${path} → ${res.status} ${msg}`);
  }
}

function need(v: string | undefined, flag: string): string {
  if (!v) throw new CliError(EXIT.refused, `missing --${flag} ${SEE_HELP}`);
  return v;
}

/** A dry run: the plan and every gate; exit 2 when something would refuse it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the documented dry-run answer
function dryRun(io: Io, r: any): number {
  io.out(JSON.stringify({ preview: r.preview, gates: r.gates }, null, 2));
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
  const refusing = (r.gates ?? []).filter((g: any) => g.blocking && !g.met);
  for (const g of refusing) io.err(`flightdeck: ${g.gate.replace('_', ' ')} gate: ${g.message}`);
  return r.preview?.preflight?.ok === false || refusing.length > 0 ? EXIT.refused : EXIT.ok;
}

function fmtTime(iso: string): string {
  return new Date(iso).toISOString().slice(11, 19);
}

interface FollowOptions {
  timeoutSeconds: number;
  /** Final states that count as success. */
  success?: readonly string[];
  /** Keep waiting while the deployment waits for a person (paused, awaiting approval). */
  throughPauses?: boolean;
}

async function follow(api: Api, io: Io, id: string, o: FollowOptions): Promise<number> {
  const success = o.success ?? ['succeeded'];
  const deadline = Date.now() + o.timeoutSeconds * 1000;
  let after = 0;
  let failures = 0;
  let last: TimelineEvent | null = null;
  let phase = '';
  const readEvents = async () => {
    for (const e of (await api.call<{ events: TimelineEvent[] }>('GET', `/api/v1/deployments/${id}/events?after=${after}`)).events) {
      if (e.seq <= after) continue;
      io.out(eventLine(e));
      after = e.seq;
      last = e;
    }
  };
  for (;;) {
    let d: { state: string; phase: string; reason?: string | null } | null = null;
    try {
      await readEvents();
      d = await api.call('GET', `/api/v1/deployments/${id}`);
      phase = d!.phase;
      failures = 0;
      // Events committed with a final or waiting state may have landed after our read: one more pass.
      if (TERMINAL.has(d!.state) || WAITING_FOR_A_PERSON.has(d!.state)) await readEvents();
    } catch (e) {
      // A blip while watching does not decide the outcome: retry until the deadline. A refusal does.
      if (e instanceof CliError && e.exitCode === EXIT.refused) throw e;
      if (++failures % 5 === 1) io.err(`flightdeck: ${oneLine((e as Error).message)} (retrying)`);
      d = null;
    }
    if (d && TERMINAL.has(d.state)) {
      io.out(`deployment ${id} ${d.state}${d.reason ? `: ${oneLine(d.reason)}` : ''}`);
      return success.includes(d.state) ? EXIT.ok : EXIT.failed;
    }
    if (d && WAITING_FOR_A_PERSON.has(d.state) && !o.throughPauses) {
      const why = (last as TimelineEvent | null)?.message ?? d.reason ?? '';
      const what = d.state === 'awaiting_approval' ? 'awaiting approval' : `paused (${oneLine(d.phase)})`;
      throw new CliError(EXIT.unknown, `deployment ${id} is ${what}${why ? `: ${oneLine(why)}` : ''}; it waits for a person (--wait-through-pauses waits on)`);
    }
    if (Date.now() >= deadline) throw new CliError(EXIT.unknown, `gave up waiting after ${o.timeoutSeconds} s; deployment ${id} is still running${phase ? ` (${oneLine(phase)})` : ''}`);
    await io.sleep(Math.min(1000, deadline - Date.now()));
  }
}

export async function run(argv: string[], io: Io): Promise<number> {
  // Offline: the Kubernetes objects of a deployment's first step, with no server and no cluster.
  if (argv[0] === 'k8s') {
    if (argv[1] !== 'render') {
      io.err(`flightdeck: unknown command "${argv.slice(0, 2).join(' ')}": use k8s render\n${K8S_RENDER_USAGE}`);
      return EXIT.refused;
    }
    return k8sRender(argv, { out: (text) => io.out(text.replace(/\n$/, '')), err: io.err });
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        url: { type: 'string' },
        token: { type: 'string' },
        service: { type: 'string', short: 's' },
        version: { type: 'string', short: 'v' },
        strategy: { type: 'string' },
        params: { type: 'string' },
        force: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        wait: { type: 'boolean', short: 'w' },
        timeout: { type: 'string' },
        'wait-through-pauses': { type: 'boolean' },
        to: { type: 'string' },
        deployment: { type: 'string' },
        config: { type: 'string', multiple: true },
        notes: { type: 'string' },
        command: { type: 'string' },
        image: { type: 'string' },
        environment: { type: 'string', short: 'e' },
        override: { type: 'string' },
        comment: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    io.err(`flightdeck: ${oneLine((e as Error).message)} ${SEE_HELP}`);
    return EXIT.refused;
  }
  const { values: o, positionals } = parsed;
  if (o.help) {
    io.out(USAGE);
    return EXIT.ok;
  }
  if (positionals.length === 0) {
    io.err(`flightdeck: no command given ${SEE_HELP}`);
    return EXIT.refused;
  }
  try {
    const base = (o.url ?? io.env.FLIGHTDECK_URL ?? 'http://localhost:3000').replace(/\/+$/, '');
    if (!/^https?:\/\/[^/]+/.test(base)) throw new CliError(EXIT.refused, `--url must be http(s)://host[:port], got ${base}`);
    const token = o.token ?? io.env.FLIGHTDECK_TOKEN;
    if (!token) throw new CliError(EXIT.refused, 'no API token: set FLIGHTDECK_TOKEN or pass --token (an admin creates one under /admin/tokens)');
    const api = new Api(base, token, io);
    const timeout = o.timeout === undefined ? 3600 : Number(o.timeout);
    if (!Number.isFinite(timeout) || timeout <= 0) throw new CliError(EXIT.refused, `--timeout must be a number of seconds > 0, got ${o.timeout}`);
    const svc = () => encodeURIComponent(need(o.service, 'service'));
    const cmd = positionals.join(' ');

    switch (cmd) {
      case 'versions create': {
        const config: Record<string, string> = {};
        for (const kv of o.config ?? []) {
          const i = kv.indexOf('=');
          if (i <= 0) throw new CliError(EXIT.refused, `--config takes KEY=VALUE, got ${kv}`);
          config[kv.slice(0, i)] = kv.slice(i + 1);
        }
        const artifact = { ...(o.command ? { command: o.command } : {}), ...(o.image ? { image: o.image } : {}) };
        const v = await api.call('POST', `/api/v1/services/${svc()}/versions`, { version: need(o.version, 'version'), config, artifact, ...(o.notes ? { notes: o.notes } : {}) });
        io.out(`registered ${o.service} v${v.version}`);
        return EXIT.ok;
      }
      case 'deploy': {
        let params: unknown;
        if (o.params !== undefined) {
          try {
            params = JSON.parse(o.params);
          } catch (e) {
            throw new CliError(EXIT.refused, `--params must be JSON: ${(e as Error).message}`);
          }
        }
        const body = {
          version: need(o.version, 'version'),
          ...(o.environment ? { environment: o.environment } : {}),
          ...(o.strategy ? { strategy: o.strategy } : {}),
          ...(params !== undefined ? { params } : {}),
          ...(o.force ? { force: true } : {}),
          ...(o.override ? { override: { reason: o.override } } : {}),
          ...(o['dry-run'] ? { dryRun: true } : {}),
        };
        const d = await api.call('POST', `/api/v1/services/${svc()}/deployments`, body);
        if (o['dry-run']) return dryRun(io, d);
        io.out(`deployment ${d.id}: ${d.service} in ${d.environment} ${d.from ? `v${d.from} → ` : ''}v${d.to} (${d.strategy}), ${d.state}`);
        return o.wait ? await follow(api, io, d.id, { timeoutSeconds: timeout, throughPauses: o['wait-through-pauses'] }) : EXIT.ok;
      }
      case 'promote': {
        const body = {
          ...(o.version ? { version: o.version } : {}),
          ...(o.to ? { to: o.to } : {}),
          ...(o.override ? { override: { reason: o.override } } : {}),
          ...(o['dry-run'] ? { dryRun: true } : {}),
        };
        const r = await api.call('POST', `/api/v1/services/${svc()}/promote`, body);
        if (o['dry-run']) return dryRun(io, r);
        const d = r.deployment;
        io.out(`deployment ${d.id}: ${d.service} v${d.to} ${r.from} → ${r.to} (${d.strategy}), ${d.state}`);
        return o.wait ? await follow(api, io, d.id, { timeoutSeconds: timeout, throughPauses: o['wait-through-pauses'] }) : EXIT.ok;
      }
      case 'approve':
      case 'reject': {
        const id = encodeURIComponent(need(o.deployment, 'deployment'));
        const d = await api.call('POST', `/api/v1/deployments/${id}/${cmd}`, o.comment ? { comment: o.comment } : {});
        io.out(`deployment ${d.id}: ${d.service} v${d.to} in ${d.environment}, ${d.state}`);
        return EXIT.ok;
      }
      case 'rollback': {
        const r = await api.call('POST', `/api/v1/services/${svc()}/rollback`, { ...(o.to ? { toVersion: o.to } : {}), ...(o.environment ? { environment: o.environment } : {}) });
        // A rollback is a new deployment, or — while a deployment is in flight — its revert.
        const id: string | null = r.deployment?.id ?? r.deploymentId ?? r.activeDeploymentId ?? null;
        io.out(r.deployment ? `rollback ${r.deployment.id}: ${o.service} → v${r.deployment.to}, ${r.deployment.state}` : `rollback of ${o.service} requested${id ? ` (deployment ${id})` : ''}`);
        // Rolling back an in-flight deployment aborts it: there, "aborted" is the success.
        return o.wait && id ? await follow(api, io, id, { timeoutSeconds: timeout, success: r.mode === 'abort-in-flight' ? ['aborted'] : ['succeeded'], throughPauses: o['wait-through-pauses'] }) : EXIT.ok;
      }
      case 'status': {
        if (o.deployment) {
          const d = await api.call('GET', `/api/v1/deployments/${encodeURIComponent(o.deployment)}`);
          io.out(`${d.service} ${d.kind} ${d.from ? `v${d.from} → ` : ''}v${d.to} (${d.strategy}): ${d.state} — ${d.phase}`);
          return EXIT.ok;
        }
        if (o.service) {
          const s = await api.call('GET', `/api/v1/services/${svc()}${o.environment ? `?environment=${encodeURIComponent(o.environment)}` : ''}`);
          io.out(`${s.name} in ${s.environment}: live ${s.liveVersion ? `v${s.liveVersion}` : '—'}, ${s.replicas} replica(s)${s.address ? `, ${s.address}` : ''}`);
          io.out(`  environments: ${s.environments.map((e: { name: string; liveVersion: string | null }) => `${e.name} ${e.liveVersion ? `v${e.liveVersion}` : '—'}`).join(' → ')}`);
          for (const d of (s.deployments ?? []).slice(0, 5)) io.out(`  ${d.createdAt}  ${d.kind} ${d.from ?? '—'} → ${d.to}  ${d.strategy}  ${d.state}  by ${d.actor}`);
          return EXIT.ok;
        }
        const { services } = await api.call('GET', '/api/v1/services');
        for (const s of services) {
          io.out(`${s.name.padEnd(24)} ${(s.liveVersion ? `v${s.liveVersion}` : '—').padEnd(12)} ${s.activeDeployment ? `${s.activeDeployment.strategy} → v${s.activeDeployment.version} (${s.activeDeployment.phase})` : ''}`);
        }
        return EXIT.ok;
      }
      default:
        throw new CliError(EXIT.refused, `unknown command "${cmd}" ${SEE_HELP}`);
    }
  } catch (e) {
    if (e instanceof CliError) {
      io.err(`flightdeck: ${oneLine(e.message)}`);
      return e.exitCode;
    }
    io.err(`flightdeck: ${oneLine(String((e as Error)?.message ?? e))}`);
    return EXIT.unknown;
  }
}

export const processIo: Io = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
  env: process.env,
  fetch: (...a) => fetch(...a),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};
