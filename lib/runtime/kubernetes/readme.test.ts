/**
 * The README's "Run against Kubernetes" section shows the RBAC and the PromQL the runtime and its
 * tests use: these keep the documentation equal to the code, so a change to either shows here.
 */
import { loadAllYaml } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rbacObjects } from './rbac';
import { APP_ERROR_RATE_QUERY, APP_ERRORS_QUERY, APP_REQUESTS_QUERY, ISTIO_ERROR_RATE_QUERY, ISTIO_ERRORS_QUERY, ISTIO_REQUESTS_QUERY } from './traffic';

const readme = readFileSync(path.resolve(import.meta.dirname, '../../../README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Run against Kubernetes'), readme.indexOf('## Migrations'));

describe('README: Run against Kubernetes', () => {
  it('shows exactly the ServiceAccount, Role and RoleBinding rbac.ts builds', () => {
    const block = /<!-- rbac:[^>]*-->\n```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    expect(block).toBeDefined();
    expect(loadAllYaml(block!)).toEqual(JSON.parse(JSON.stringify(rbacObjects('payments', 'flightdeck'))));
  });

  it('shows the PromQL the runtime counts with and the analysis queries the tests run', () => {
    const shown = [...section.matchAll(/^\| [^|]+ \| `(.+)` \|$/gm)].map((m) => m[1]);
    expect(shown).toEqual([APP_REQUESTS_QUERY, APP_ERRORS_QUERY, APP_ERROR_RATE_QUERY, ISTIO_REQUESTS_QUERY, ISTIO_ERRORS_QUERY, ISTIO_ERROR_RATE_QUERY]);
  });
});
