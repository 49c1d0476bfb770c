import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { validateAnalysisConfig } from '../engine/analysis';
import type { Runtime } from '../runtime/types';
import { readPath, webProvider } from './web';
import { template, type MeasureContext } from './types';

let server: http.Server;
let base: string;
const seen: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push(req.url ?? '');
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname === '/broken') return void res.writeHead(500).end('{}');
    const cohort = u.searchParams.get('cohort');
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({ results: [{ p99: cohort === 'canary' ? 812.5 : '120' }], missing: null }),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const ctx = (): MeasureContext => ({
  service: 'pay ments',
  canary: { versionId: 'c-id', semver: '2.0.0' },
  baseline: { versionId: 'b-id', semver: '1.0.0' },
  fromMs: 0,
  toMs: 45_500,
  runtime: {} as Runtime,
});

describe('web provider', () => {
  it('reads the number at the path for each cohort from templated URLs (values URL-encoded)', async () => {
    const [m] = validateAnalysisConfig({
      metrics: [{ name: 'p99', provider: 'web', url: `${base}/m?svc={{service}}&v={{version}}&cohort={{cohort}}&w={{window}}`, path: 'results[0].p99', threshold: 500 }],
    }).metrics;
    const r = await webProvider.measure(m!, ctx());
    expect(r).toEqual({ name: 'p99', canary: { value: 812.5 }, baseline: { value: 120 } });
    expect(seen).toContain('/m?svc=pay%20ments&v=2.0.0&cohort=canary&w=46s');
    expect(seen).toContain('/m?svc=pay%20ments&v=1.0.0&cohort=baseline&w=46s');
  });

  it.each([
    ['results[0].nope', /no number at results\[0\]\.nope/],
    ['missing', /no number at missing/],
  ])('a missing value at %s is no data, never zero', async (p, error) => {
    const [m] = validateAnalysisConfig({ metrics: [{ name: 'x', provider: 'web', url: `${base}/m?cohort={{cohort}}`, path: p, threshold: 1 }] }).metrics;
    const r = await webProvider.measure(m!, ctx());
    expect(r.canary.value).toBeNull();
    expect(r.error).toMatch(error);
  });

  it('an HTTP error or a refused connection is no data with the reason', async () => {
    const [m] = validateAnalysisConfig({ metrics: [{ name: 'x', provider: 'web', url: `${base}/broken`, path: 'v', threshold: 1 }] }).metrics;
    expect((await webProvider.measure(m!, ctx())).error).toMatch(/answered 500/);
    const [dead] = validateAnalysisConfig({ metrics: [{ name: 'x', provider: 'web', url: 'http://127.0.0.1:1/x', path: 'v', threshold: 1 }] }).metrics;
    const r = await webProvider.measure(dead!, ctx());
    expect(r.canary.value).toBeNull();
    expect(r.error).toBeTruthy();
  });
});

describe('readPath / template', () => {
  it.each<[unknown, string, unknown]>([
    [{ a: { b: 3 } }, 'a.b', 3],
    [{ a: [[1, 2]] }, 'a[0][1]', 2],
    [{ a: 1 }, 'a.b.c', undefined],
    [[1], 'x', undefined],
  ])('%j at %s', (json, p, expected) => {
    expect(readPath(json, p)).toEqual(expected);
  });
  it('leaves unknown placeholders alone', () => {
    expect(template('{{service}}/{{nope}}/{{versionId}}', ctx(), 'canary')).toBe('pay ments/{{nope}}/c-id');
  });
});
