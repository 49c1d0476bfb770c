import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The runtime agent outlives the server by design; the end-to-end run stops its own. */
export default async function globalTeardown() {
  const dir = process.env.E2E_DATA_DIR;
  if (!dir) return;
  const file = path.join(dir, 'runtime', 'agent.json');
  if (!existsSync(file)) return;
  const { pid } = JSON.parse(readFileSync(file, 'utf8')) as { pid: number };
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    /* already gone */
  }
}
