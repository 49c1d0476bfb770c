/**
 * The edge answers 404 and 405 from the route table, so the table must be exactly what the
 * route files serve: every file under app/ named route.ts, with the methods it exports.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ROUTE_TABLE } from './route-table';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

function routeFiles(dir = path.resolve('app')): string[] {
  const out: string[] = [];
  for (const f of readdirSync(dir)) {
    const p = path.join(dir, f);
    if (statSync(p).isDirectory()) out.push(...routeFiles(p));
    else if (f === 'route.ts') out.push(p);
  }
  return out;
}

describe('the route table', () => {
  it('lists every route file with exactly the methods it exports', async () => {
    const served: Record<string, string[]> = {};
    for (const file of routeFiles()) {
      const pattern = '/' + path.relative(path.resolve('app'), path.dirname(file)).split(path.sep).join('/').replace(/\[(\w+)\]/g, '{$1}');
      const mod = (await import(file)) as Record<string, unknown>;
      served[pattern] = METHODS.filter((m) => typeof mod[m] === 'function').sort();
    }
    expect(Object.fromEntries(ROUTE_TABLE.map((r) => [r.pattern, r.methods]))).toEqual(served);
  }, 60_000);
});
