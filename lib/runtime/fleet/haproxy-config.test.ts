import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONNECT_TIMEOUT_MS, packShares, renderConfig, renderMap, SCALE, unpackShares, type EdgeConfig } from './haproxy-config';
import { haproxyBinary } from './haproxy';

describe('packShares: the split between colours as one map value', () => {
  it.each([
    { shares: [1, 0, 0], bounds: [SCALE, SCALE, SCALE] },
    { shares: [0, 1, 0], bounds: [0, SCALE, SCALE] },
    { shares: [90, 10, 0], bounds: [9000, SCALE, SCALE] },
    { shares: [25, 0, 75], bounds: [2500, 2500, SCALE] },
    { shares: [1, 1, 1], bounds: [3333, 6667, SCALE] },
    { shares: [0, 0, 0], bounds: [0, 0, 0] },
  ])('$shares → cumulative bounds $bounds', ({ shares, bounds }) => {
    expect(unpackShares(packShares(shares))).toEqual(bounds);
  });

  it('the last colour with a share always closes at SCALE, whatever the rounding before it', () => {
    expect(unpackShares(packShares([1, 2, 0]))[1]).toBe(SCALE);
    expect(unpackShares(packShares([7, 7, 7]))[2]).toBe(SCALE);
  });

  it('fits the integers HAProxy and JavaScript both hold exactly', () => {
    expect(Number.isSafeInteger(packShares([1, 1, 1]))).toBe(true);
  });
});

const config = (dir: string): EdgeConfig => ({
  bind: '127.0.0.1',
  adminSocket: path.join(dir, 'admin.sock'),
  mapFile: path.join(dir, 'split.map'),
  logPort: 5514,
  frontends: [
    {
      key: 'production.checkout',
      port: 4300,
      shares: [90, 10, 0],
      servers: [
        { name: 's0-web-1', color: 0, addr: '10.0.0.2:4001', state: 'ready' },
        { name: 's1-web-2', color: 0, addr: '10.0.0.3:4001', state: 'drain' },
        { name: 's0-web-3', color: 1, addr: '10.0.0.4:4002', state: 'maint' },
      ],
    },
  ],
});

describe('renderConfig', () => {
  it('renders one frontend per service with a backend per colour and its servers in their state', () => {
    const text = renderConfig(config('/run/fd'));
    expect(text).toContain('frontend production.checkout\n  bind 127.0.0.1:4300');
    expect(text).toContain('map_str_int(/run/fd/split.map,0)');
    expect(text).toContain('backend production.checkout.c1');
    expect(text).toContain('  server s0-web-1 10.0.0.2:4001\n');
    expect(text).toContain('  server s1-web-2 10.0.0.3:4001 weight 0\n');
    expect(text).toContain('  server s0-web-3 10.0.0.4:4002 disabled\n');
    expect(renderMap(config('/run/fd').frontends)).toBe(`production.checkout ${packShares([90, 10, 0])}\n`);
  });

  it('opens a connection per request to the instances and retries a failed connect elsewhere (a host lost mid-request is survivable)', () => {
    const text = renderConfig(config('/run/fd'));
    expect(text).toContain('  option http-server-close\n');
    expect(text).not.toMatch(/http-reuse (safe|aggressive|always)/);
    expect(text).toContain(`  timeout connect ${CONNECT_TIMEOUT_MS}\n`);
    expect(text).toContain('  option redispatch 1\n');
    expect(text).toMatch(/\n {2}retries [1-9]\n/);
    expect(text).toMatch(/\n {2}retry-on conn-failure /);
  });

  it('is a configuration HAProxy accepts', () => {
    const bin = haproxyBinary();
    if (!bin) return void console.warn('haproxy is not installed: only the text was checked');
    const dir = mkdtempSync(path.join(tmpdir(), 'fd-haproxy-cfg-'));
    const c = config(dir);
    writeFileSync(c.mapFile, renderMap(c.frontends));
    writeFileSync(path.join(dir, 'haproxy.cfg'), renderConfig(c));
    const r = spawnSync(bin, ['-c', '-f', path.join(dir, 'haproxy.cfg')], { encoding: 'utf8' });
    expect(r.stderr.match(/\[ALERT\].*/g) ?? []).toEqual([]);
    expect(r.status).toBe(0);
  });
});
