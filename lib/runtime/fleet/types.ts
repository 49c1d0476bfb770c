/**
 * What the fleet runtime knows of hosts, and where it learns it: hosts are data (registered by
 * an admin, kept in PostgreSQL), handed to the runtime through a HostDirectory so the driver
 * does no database work of its own; it reports back what its heartbeats see.
 */

export interface HostRecord {
  name: string;
  /** The agent's RPC address: http(s)://ADDR:PORT. */
  address: string;
  /** The agent's token (the directory keeps it; it is never shown). */
  token: string;
  /** PEM to trust for an https agent (its CA, or its self-signed certificate). */
  ca?: string | null;
  labels: Record<string, string>;
  /** The most instances it may run (null: no limit). */
  capacity: number | null;
  /** An admin asked for no new instances here. */
  draining: boolean;
}

export interface HostCapacity {
  cpus: number;
  memoryMb: number;
  instances: number;
}

/** One heartbeat's result, or a change of a host's state. */
export interface HostReport {
  name: string;
  reachable: boolean;
  at: number;
  /** When the host was found unreachable (it changed state now). */
  changed: boolean;
  error?: string;
  capacity?: HostCapacity;
  /** Agent process id (a change means the agent restarted). */
  pid?: number;
  /** Set when it became unreachable: how long it had been silent when that was decided. */
  silentForMs?: number;
}

export interface HostDirectory {
  hosts(): Promise<HostRecord[]>;
  report(r: HostReport): Promise<void>;
}

/** How a service's instances are placed in a fleet (from the service's settings). */
export interface PlacementSpec {
  /** The service's pool (combined with the environment's: see placement.ts). */
  pool?: string;
  /** When a host with instances is lost: pause the deployment (default) or start the lost instances elsewhere. */
  onHostLoss?: 'pause' | 'replace';
}
