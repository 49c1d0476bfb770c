/**
 * What the fleet runtime must remember across control-plane restarts, per environment and
 * service: where each slot of each version was placed (written before the agents are told, so
 * the record is never behind them), the routing table in force, and the highest fencing token
 * seen. Kept in one JSON file, replaced atomically on every change.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RoutingTable, Workload } from '../types';

export interface VersionRecord {
  workload: Workload;
  /** slot → host name */
  slots: Record<string, string>;
}

export interface ServiceRecord {
  versions: Record<string, VersionRecord>;
  table: RoutingTable | null;
  fence: number;
}

interface Data {
  envs: Record<string, Record<string, ServiceRecord>>;
}

export class FleetState {
  private data: Data = { envs: {} };

  constructor(private readonly file: string) {
    if (existsSync(file)) this.data = JSON.parse(readFileSync(file, 'utf8')) as Data;
  }

  service(env: string, service: string): ServiceRecord {
    const e = (this.data.envs[env] ??= {});
    return (e[service] ??= { versions: {}, table: null, fence: 0 });
  }

  /** Every service of an environment that has a record. */
  services(env: string): string[] {
    return Object.keys(this.data.envs[env] ?? {});
  }

  environments(): string[] {
    return Object.keys(this.data.envs);
  }

  save(): void {
    mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.data));
    renameSync(tmp, this.file);
  }
}
