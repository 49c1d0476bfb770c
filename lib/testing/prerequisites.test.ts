/**
 * `npm test` on a fresh machine: its first step finds Chromium and Prometheus or gets them —
 * installing with apt-get as root, or stopping at once with the exact command otherwise.
 * apt-get is a stand-in here that records its calls and "installs" into a temporary folder.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const SCRIPT = path.resolve('lib/testing/prerequisites.mjs');
let dir: string;
let fakeBin: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'fd-prereq-'));
  chmodSync(dir, 0o755);
  fakeBin = path.join(dir, 'bin');
  spawnSync('mkdir', ['-p', fakeBin]);
  writeFileSync(path.join(fakeBin, 'apt-get'), '#!/bin/sh\necho "$*" >> "$FAKE_LOG"\nif [ "$1" = install ]; then printf "#!/bin/sh\\n" > "$FAKE_CHROMIUM"; chmod +x "$FAKE_CHROMIUM"; fi\n', { mode: 0o755 });
  writeFileSync(path.join(dir, 'prometheus'), '#!/bin/sh\n', { mode: 0o755 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(o: { chromium: string; apt?: boolean; uid?: number }) {
  const log = path.join(dir, `apt-${Math.random().toString(36).slice(2)}.log`);
  const started = performance.now();
  const r = spawnSync(process.execPath, [SCRIPT], {
    env: { PATH: o.apt === false ? path.join(dir, 'nothing') : `${fakeBin}:/usr/bin:/bin`, CHROMIUM_PATH: o.chromium, PROMETHEUS_BIN: path.join(dir, 'prometheus'), HAPROXY_BIN: path.join(dir, 'prometheus'), HEY_BIN: path.join(dir, 'prometheus'), IP_BIN: path.join(dir, 'prometheus'), FAKE_LOG: log, FAKE_CHROMIUM: o.chromium } as unknown as NodeJS.ProcessEnv,
    encoding: 'utf8',
    ...(o.uid !== undefined ? { uid: o.uid, gid: o.uid } : {}),
  });
  return { code: r.status, out: r.stdout, err: r.stderr, apt: existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [], seconds: (performance.now() - started) / 1000 };
}

const asRoot = process.getuid?.() === 0;

describe('npm test prerequisites', () => {
  it('everything there: nothing to say, nothing installed', () => {
    const r = run({ chromium: path.join(dir, 'prometheus') });
    expect(r).toMatchObject({ code: 0, out: '', err: '', apt: [] });
  });

  it.runIf(asRoot)('as root, a missing Chromium is installed with apt-get, and the run goes on', () => {
    const chromium = path.join(dir, 'chromium-root');
    const r = run({ chromium });
    expect(r.code, r.err).toBe(0);
    expect(r.apt).toEqual(['update', 'install -y --no-install-recommends chromium']);
    expect(existsSync(chromium)).toBe(true);
  });

  it.runIf(asRoot)('as anyone else, it stops at once with the exact command to run, installing nothing', () => {
    const r = run({ chromium: path.join(dir, 'chromium-user'), uid: 65534 });
    expect(r.code).toBe(1);
    expect(r.apt).toEqual([]);
    expect(r.err).toContain(`missing chromium (${path.join(dir, 'chromium-user')}, for the end-to-end tests)`);
    expect(r.err).toContain("sudo sh -c 'apt-get update && apt-get install -y --no-install-recommends chromium'");
    expect(r.seconds).toBeLessThan(5);
  });

  it('without apt-get, it says what to install or point at', () => {
    const r = run({ chromium: path.join(dir, 'chromium-none'), apt: false });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/There is no apt-get here: install chromium, or set CHROMIUM_PATH/);
  });
});
