/**
 * `flightdeck` — the CLI for CI. Talks to REST API v1 with an API token.
 *
 *   flightdeck versions create --service S --version V [--config K=V]… [--notes N] [--command C] [--image I]
 *   flightdeck deploy --service S --version V [--strategy rolling|blue-green|canary|recreate]
 *                     [--params JSON] [--force] [--dry-run] [--wait] [--timeout SECONDS]
 *   flightdeck rollback --service S [--to V] [--wait] [--timeout SECONDS]
 *   flightdeck status [--service S | --deployment ID]
 *   flightdeck k8s render --service S --version V --image I [--strategy NAME] [--replicas N] …  (no server, no cluster)
 *
 * Server and token: --url / FLIGHTDECK_URL (default http://localhost:3000), --token / FLIGHTDECK_TOKEN.
 * Exit status: 0 done (with --wait: the deployment succeeded); 1 the deployment failed or was
 * aborted; 2 bad input or refused (any 4xx: invalid, unauthorised, forbidden, not found,
 * conflict); 3 the outcome is unknown (server unreachable, 5xx, or --timeout reached).
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
  deploy   --service S --version V [--strategy NAME] [--params JSON] [--force] [--dry-run] [--wait] [--timeout SECONDS]
  rollback --service S [--to V] [--wait] [--timeout SECONDS]
  status   [--service S | --deployment ID]
  k8s render --service S --version V --image I [--strategy NAME] [--replicas N] [--live V] [--namespace NS] [--gateway [NS/]NAME[:LISTENER]]
env: FLIGHTDECK_URL (default http://localhost:3000), FLIGHTDECK_TOKEN
exit: 0 ok/succeeded, 1 failed or aborted, 2 bad input or refused, 3 outcome unknown`;

const TERMINAL = new Set(['succeeded', 'failed', 'aborted']);

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
  if (!v) throw new CliError(EXIT.refused, `missing --${flag}\n${USAGE}`);
  return v;
}

function fmtTime(iso: string): string {
  return new Date(iso).toISOString().slice(11, 19);
}

async function follow(api: Api, io: Io, id: string, timeoutSeconds: number, success: readonly string[] = ['succeeded']): Promise<number> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let after = 0;
  let failures = 0;
  for (;;) {
    try {
      const { events } = await api.call<{ events: Array<{ seq: number; type: string; message: string; at: string }> }>('GET', `/api/v1/deployments/${id}/events?after=${after}`);
      for (const e of events) {
        io.out(`${fmtTime(e.at)}  #${e.seq}  ${e.type.padEnd(22)} ${e.message}`);
        after = e.seq;
      }
      const d = await api.call<{ state: string; reason?: string | null }>('GET', `/api/v1/deployments/${id}`);
      failures = 0;
      if (TERMINAL.has(d.state)) {
        // Events committed with the final state may have landed after our read: one more pass.
        const rest = await api.call<{ events: Array<{ seq: number; type: string; message: string; at: string }> }>('GET', `/api/v1/deployments/${id}/events?after=${after}`);
        for (const e of rest.events) io.out(`${fmtTime(e.at)}  #${e.seq}  ${e.type.padEnd(22)} ${e.message}`);
        io.out(`deployment ${id} ${d.state}${d.reason ? `: ${d.reason}` : ''}`);
        return success.includes(d.state) ? EXIT.ok : EXIT.failed;
      }
    } catch (e) {
      // A blip while watching does not decide the outcome: retry until the deadline.
      if (e instanceof CliError && e.exitCode === EXIT.refused) throw e;
      if (++failures % 5 === 1) io.err(`flightdeck: ${(e as Error).message} (retrying)`);
    }
    if (Date.now() > deadline) throw new CliError(EXIT.unknown, `gave up waiting after ${timeoutSeconds} s; deployment ${id} is still running`);
    await io.sleep(1000);
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
        to: { type: 'string' },
        deployment: { type: 'string' },
        config: { type: 'string', multiple: true },
        notes: { type: 'string' },
        command: { type: 'string' },
        image: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    io.err(`flightdeck: ${(e as Error).message}\n${USAGE}`);
    return EXIT.refused;
  }
  const { values: o, positionals } = parsed;
  if (o.help || positionals.length === 0) {
    (o.help ? io.out : io.err)(USAGE);
    return o.help ? EXIT.ok : EXIT.refused;
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
        const body = { version: need(o.version, 'version'), ...(o.strategy ? { strategy: o.strategy } : {}), ...(params !== undefined ? { params } : {}), ...(o.force ? { force: true } : {}), ...(o['dry-run'] ? { dryRun: true } : {}) };
        const d = await api.call('POST', `/api/v1/services/${svc()}/deployments`, body);
        if (o['dry-run']) {
          io.out(JSON.stringify(d.preview, null, 2));
          return d.preview?.preflight?.ok === false ? EXIT.refused : EXIT.ok;
        }
        io.out(`deployment ${d.id}: ${d.service} ${d.from ? `v${d.from} → ` : ''}v${d.to} (${d.strategy}), ${d.state}`);
        return o.wait ? follow(api, io, d.id, timeout) : EXIT.ok;
      }
      case 'rollback': {
        const r = await api.call('POST', `/api/v1/services/${svc()}/rollback`, o.to ? { toVersion: o.to } : {});
        // A rollback is a new deployment, or — while a deployment is in flight — its revert.
        const id: string | null = r.deployment?.id ?? r.deploymentId ?? r.activeDeploymentId ?? null;
        io.out(r.deployment ? `rollback ${r.deployment.id}: ${o.service} → v${r.deployment.to}, ${r.deployment.state}` : `rollback of ${o.service} requested${id ? ` (deployment ${id})` : ''}`);
        // Rolling back an in-flight deployment aborts it: there, "aborted" is the success.
        return o.wait && id ? follow(api, io, id, timeout, r.mode === 'abort-in-flight' ? ['aborted'] : ['succeeded']) : EXIT.ok;
      }
      case 'status': {
        if (o.deployment) {
          const d = await api.call('GET', `/api/v1/deployments/${encodeURIComponent(o.deployment)}`);
          io.out(`${d.service} ${d.kind} ${d.from ? `v${d.from} → ` : ''}v${d.to} (${d.strategy}): ${d.state} — ${d.phase}`);
          return EXIT.ok;
        }
        if (o.service) {
          const s = await api.call('GET', `/api/v1/services/${svc()}`);
          io.out(`${s.name}: live ${s.liveVersion ? `v${s.liveVersion}` : '—'}, ${s.replicas} replica(s)${s.address ? `, ${s.address}` : ''}`);
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
        throw new CliError(EXIT.refused, `unknown command "${cmd}"\n${USAGE}`);
    }
  } catch (e) {
    if (e instanceof CliError) {
      io.err(`flightdeck: ${e.message}`);
      return e.exitCode;
    }
    io.err(`flightdeck: ${(e as Error).message}`);
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
