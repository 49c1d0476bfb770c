#!/usr/bin/env node
// The npm registry reachable here serves only this platform's (linux-x64) builds of packages
// such as @next/swc-* and @tailwindcss/oxide-*. `npm install` then leaves the other
// platforms' optional binaries out of package-lock.json, and `npm ci` refuses that lock.
// This records each missing optional platform package with its os/cpu, so `npm ci` accepts
// the lock and, on a platform that does not match, skips the package without fetching it.
// Run it (npm run lock:stubs) after any `npm install` that rewrites the lock.
import fs from 'node:fs';
import path from 'node:path';

const file = path.join(import.meta.dirname, '..', 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const pk = lock.packages;
const pick = (name, table) => table.find(([re]) => re.test(name))?.[1];
const OS = [[/darwin/, 'darwin'], [/win32/, 'win32'], [/freebsd/, 'freebsd'], [/android/, 'android'], [/openharmony/, 'openharmony'], [/sunos/, 'sunos'], [/aix/, 'aix'], [/netbsd/, 'netbsd'], [/openbsd/, 'openbsd'], [/linux/, 'linux']];
const CPU = [[/arm64|aarch64/, 'arm64'], [/x64|x86_64|amd64/, 'x64'], [/ia32|x86/, 'ia32'], [/arm/, 'arm'], [/ppc64/, 'ppc64'], [/riscv64/, 'riscv64'], [/s390x/, 's390x'], [/loong64/, 'loong64'], [/mips64el/, 'mips64el'], [/wasm32/, 'wasm32']];
let added = 0;
for (const [, entry] of Object.entries(pk)) {
  for (const [name, spec] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    if (pk[key]) continue;
    const os = pick(name, OS);
    const cpu = pick(name, CPU);
    if (!os && !cpu) continue; // not a platform package: leave it to npm
    pk[key] = { version: String(spec).replace(/^[\^~=]/, ''), optional: true, ...(entry.dev ? { dev: true } : {}), ...(os ? { os: [os] } : {}), ...(cpu ? { cpu: [cpu] } : {}) };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(pk).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lockfile-stubs: recorded ${added} optional platform package(s) this registry does not serve`);
