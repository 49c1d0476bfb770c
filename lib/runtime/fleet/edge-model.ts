/**
 * What the fleet's edge keeps and is asked for: the desired versions and servers of a frontend
 * (from the fleet runtime), the model kept on disk (so a restarted control plane re-attaches
 * without touching traffic), and the HAProxy configuration rendered from it.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { haproxyPaths } from './haproxy';
import type { EdgeConfig, EdgeFrontend, ServerState } from './haproxy-config';

export interface DesiredServer {
  /** "s<slot>-<host>" */
  name: string;
  /** ip:port */
  addr: string;
  host: string;
  instanceId: string;
  state: ServerState;
  /** Its host is lost: cut its connections at once, not just keep new requests away. */
  lost?: boolean;
}

export interface DesiredVersion {
  versionId: string;
  /** Share of requests (relative); 0 = out of rotation. */
  weight: number;
  servers: DesiredServer[];
}

export interface ServerModel {
  name: string;
  color: number;
  versionId: string;
  addr: string;
  host: string;
  instanceId: string;
  state: ServerState;
  /** Removal asked for; kept (in maintenance) until HAProxy lets it go. */
  removing?: boolean;
  /** Out of rotation because its host is lost (its sessions are cut once nothing can still be connecting to it). */
  lost?: boolean;
}

export interface FrontendModel {
  key: string;
  port: number;
  colors: Array<string | null>;
  shares: number[];
  servers: ServerModel[];
}

export interface EdgeModel {
  logPort: number;
  frontends: Record<string, FrontendModel>;
}

export interface EdgeOptions {
  /** Folder of the edge's files (configuration, sockets, model). */
  dir: string;
  /** Where frontends listen (default 127.0.0.1). */
  bind?: string;
  /** The host name or address clients use to reach the edge (default: the bind address, or 127.0.0.1). */
  advertise?: string;
  /** First port tried for a frontend (default 4300). */
  basePort?: number;
  log?: (m: string) => void;
}

export async function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

export async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A frontend as HAProxy's configuration renders it. */
export function frontendOf(f: FrontendModel): EdgeFrontend {
  return { key: f.key, port: f.port, shares: f.shares, servers: f.servers.map((s) => ({ name: s.name, color: s.color, addr: s.addr, state: s.state })) };
}

/** The whole configuration for the model. */
export function configOf(o: EdgeOptions, model: EdgeModel): EdgeConfig {
  const p = haproxyPaths(o.dir);
  return { bind: o.bind ?? '127.0.0.1', adminSocket: p.adminSocket, mapFile: p.map, logPort: model.logPort, frontends: Object.values(model.frontends).map((f) => frontendOf(f)) };
}
