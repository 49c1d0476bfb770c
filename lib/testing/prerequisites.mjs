#!/usr/bin/env node
/**
 * The first step of `npm test`: the programs the suite runs besides Node — Debian's Chromium
 * (end-to-end tests; Playwright cannot download its own browser here), Prometheus (the
 * PromQL provider's tests), and for the fleet tests HAProxy, hey and iproute2 — must be there. As root, missing ones are installed with apt-get;
 * otherwise this stops at once, naming what is missing and the exact command that installs it.
 * Plain JavaScript, no dependencies: it runs before anything is compiled.
 */
import { accessSync, constants } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const NEEDS = [
  { pkg: 'chromium', files: [process.env.CHROMIUM_PATH || '/usr/bin/chromium'], why: 'the end-to-end tests' },
  { pkg: 'prometheus', files: [process.env.PROMETHEUS_BIN || '/usr/bin/prometheus'], why: "the Prometheus provider's tests" },
  // The fleet tests: hosts in network namespaces (ip), HAProxy at the edge, hey for load.
  { pkg: 'haproxy', files: process.env.HAPROXY_BIN ? [process.env.HAPROXY_BIN] : ['/usr/sbin/haproxy', '/usr/bin/haproxy', '/usr/local/sbin/haproxy'], why: "the fleet's edge" },
  { pkg: 'hey', files: process.env.HEY_BIN ? [process.env.HEY_BIN] : ['/usr/bin/hey', '/usr/local/bin/hey'], why: 'load in the fleet tests' },
  { pkg: 'iproute2', files: process.env.IP_BIN ? [process.env.IP_BIN] : ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'], why: "the fleet tests' network namespaces" },
];

const executable = (file) => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};
const onPath = (cmd) => (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir && executable(path.join(dir, cmd)));
const missing = () => NEEDS.filter((n) => !n.files.some(executable));

const want = missing();
if (want.length === 0) process.exit(0);

const pkgs = want.map((n) => n.pkg).join(' ');
const what = want.map((n) => `${n.pkg} (${n.files[0]}, for ${n.why})`).join(', ');
const command = `apt-get update && apt-get install -y --no-install-recommends ${pkgs}`;
const asRoot = process.getuid?.() === 0;

if (!onPath('apt-get')) {
  process.stderr.write(`npm test: missing ${what}. There is no apt-get here: install ${pkgs}, or set CHROMIUM_PATH / PROMETHEUS_BIN to where they are, then run npm test again.\n`);
  process.exit(1);
}
if (!asRoot) {
  process.stderr.write(`npm test: missing ${what}. Install ${want.length > 1 ? 'them' : 'it'} as root, then run npm test again:\n  sudo sh -c '${command}'\n`);
  process.exit(1);
}

process.stdout.write(`npm test: installing ${what} with apt-get\n`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...want.map((n) => n.pkg)]]) {
  const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
  if (r.status !== 0) {
    process.stderr.write(`npm test: apt-get ${args.join(' ')} failed (exit ${r.status ?? r.signal}); install ${pkgs} and run npm test again\n`);
    process.exit(1);
  }
}
const still = missing();
if (still.length > 0) {
  process.stderr.write(`npm test: still missing after apt-get: ${still.map((n) => n.files[0]).join(', ')}\n`);
  process.exit(1);
}
