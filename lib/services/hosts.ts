/**
 * Fleet hosts as data: admins register each host's agent (address, token, labels such as
 * pool=web, capacity), and may drain one; the fleet runtime's heartbeats record whether each
 * answers (ready / unreachable / draining), its agent's capacity and its last error. The token
 * is stored for Flightdeck to present to the agent and never shown again.
 */
import type { Db } from '../db/client';
import { AppError } from '../errors/app-error';
import { RemoteRuntime } from '../runtime/rpc';
import type { HostDirectory, HostRecord, HostReport } from '../runtime/fleet/types';
import { registerHostSchema, updateHostSchema } from './host-schemas';
import { slug } from './schemas';
import { parseInput } from './validate';

type HostRow = NonNullable<Awaited<ReturnType<Db['host']['findUnique']>>>;

export type AgentCheck = (address: string, token: string, caCert: string | null) => Promise<{ status: 'ok' | 'unauthorized' | 'unreachable'; error?: string }>;

/** Ask the agent for /health with the token (how registration proves the pair works). */
export const checkAgent: AgentCheck = async (address, token, caCert) => {
  const agent = new RemoteRuntime(address, null, { token, ca: caCert ?? undefined });
  try {
    const r = await agent.check(3000);
    return r.status === 'ok' ? { status: 'ok' } : { status: r.status, error: r.error };
  } finally {
    agent.close();
  }
};

const objectOr = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

export function presentHost(h: HostRow) {
  const observed = objectOr(h.observed);
  return {
    name: h.name,
    address: h.address,
    tls: h.address.startsWith('https:'),
    labels: objectOr(h.labels) as Record<string, string>,
    pool: h.pool,
    capacity: h.capacity,
    draining: h.draining,
    state: h.state as 'pending' | 'ready' | 'unreachable' | 'draining',
    stateChangedAt: h.stateChangedAt?.toISOString() ?? null,
    lastHeartbeatAt: h.lastHeartbeatAt?.toISOString() ?? null,
    lastError: h.lastError,
    observed:
      typeof observed.cpus === 'number' ? { cpus: observed.cpus, memoryMb: Number(observed.memoryMb ?? 0), instances: Number(observed.instances ?? 0) } : null,
    createdBy: h.createdBy,
    createdAt: h.createdAt.toISOString(),
  };
}

export async function listHosts(db: Db) {
  const rows = await db.host.findMany({ orderBy: [{ pool: 'asc' }, { name: 'asc' }] });
  return { hosts: rows.map(presentHost) };
}

async function findHostOr404(db: Db, name: string): Promise<HostRow> {
  const h = slug.safeParse(name).success ? await db.host.findUnique({ where: { name } }) : null;
  if (!h) throw new AppError('not_found', `host ${name} is not registered`, { host: name });
  return h;
}

export async function getHost(db: Db, name: string) {
  return presentHost(await findHostOr404(db, name));
}

/** The agent must answer with this token: a typo in the token is refused here, not found out at the first deployment. */
async function proveAgent(check: AgentCheck, address: string, token: string, caCert: string | null): Promise<{ reachable: boolean; error: string | null }> {
  const r = await check(address, token, caCert);
  if (r.status === 'unauthorized') throw new AppError('invalid', `the agent at ${address} refused the token: use the token of its --token-file`, { address });
  return { reachable: r.status === 'ok', error: r.status === 'ok' ? null : `not answering: ${r.error ?? 'unreachable'}` };
}

/**
 * Register an agent. A wrong token is refused (422) and nothing is stored; an agent that does
 * not answer yet is registered as unreachable (it may not be started yet), with the reason.
 */
export async function registerHost(db: Db, input: unknown, actor: string, check: AgentCheck = checkAgent) {
  const body = parseInput(registerHostSchema, input);
  if (await db.host.findUnique({ where: { name: body.name } })) throw new AppError('conflict', `host ${body.name} is already registered`, { host: body.name });
  const clash = await db.host.findFirst({ where: { address: body.address } });
  if (clash) throw new AppError('conflict', `the agent at ${body.address} is already registered as ${clash.name}`, { host: clash.name });
  const proof = await proveAgent(check, body.address, body.token, body.caCert ?? null);
  const now = new Date();
  const row = await db.host.create({
    data: {
      name: body.name,
      address: body.address,
      token: body.token,
      caCert: body.caCert ?? null,
      labels: body.labels,
      pool: body.labels.pool ?? 'default',
      capacity: body.capacity ?? null,
      draining: body.draining,
      state: proof.reachable ? (body.draining ? 'draining' : 'ready') : 'unreachable',
      stateChangedAt: now,
      lastHeartbeatAt: proof.reachable ? now : null,
      lastError: proof.error,
      createdBy: actor,
    },
  });
  return presentHost(row);
}

/** Change labels, capacity, draining, or the agent's address, token or certificate (the new pair is proven first). */
export async function updateHost(db: Db, name: string, input: unknown, _actor: string, check: AgentCheck = checkAgent) {
  const h = await findHostOr404(db, name);
  const body = parseInput(updateHostSchema, input);
  if (body.address !== undefined || body.token !== undefined || body.caCert !== undefined) {
    await proveAgent(check, body.address ?? h.address, body.token ?? h.token, body.caCert === undefined ? h.caCert : body.caCert);
  }
  const draining = body.draining ?? h.draining;
  const row = await db.host.update({
    where: { id: h.id },
    data: {
      ...(body.address !== undefined ? { address: body.address } : {}),
      ...(body.token !== undefined ? { token: body.token } : {}),
      ...(body.caCert !== undefined ? { caCert: body.caCert } : {}),
      ...(body.labels !== undefined ? { labels: body.labels, pool: body.labels.pool ?? 'default' } : {}),
      ...(body.capacity !== undefined ? { capacity: body.capacity } : {}),
      draining,
      ...(h.state === 'ready' || h.state === 'draining' ? { state: draining ? 'draining' : 'ready' } : {}),
    },
  });
  return presentHost(row);
}

/** The hosts for the fleet runtime, and where its heartbeats are written down. */
export function hostDirectory(db: Db): HostDirectory {
  return {
    async hosts(): Promise<HostRecord[]> {
      const rows = await db.host.findMany();
      return rows.map((h) => ({
        name: h.name,
        address: h.address,
        token: h.token,
        ca: h.caCert,
        labels: objectOr(h.labels) as Record<string, string>,
        capacity: h.capacity,
        draining: h.draining,
      }));
    },
    async report(r: HostReport): Promise<void> {
      const h = await db.host.findUnique({ where: { name: r.name } });
      if (!h) return;
      const state = r.reachable ? (h.draining ? 'draining' : 'ready') : 'unreachable';
      await db.host.update({
        where: { id: h.id },
        data: {
          state,
          ...(state !== h.state ? { stateChangedAt: new Date(r.at) } : {}),
          ...(r.reachable ? { lastHeartbeatAt: new Date(r.at) } : {}),
          lastError: r.reachable ? null : (r.error ?? 'no heartbeat answer'),
          ...(r.capacity ? { observed: { ...r.capacity } } : {}),
        },
      });
    },
  };
}
