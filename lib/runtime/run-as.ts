/**
 * Who runs the commands Flightdeck starts on others' behalf — instances of the local runtime and
 * deployment hooks. A deployer may register a version with any command: as root, those commands
 * run as an unprivileged user (FLIGHTDECK_RUN_AS, default `flightdeck-run`, created if missing),
 * which can read neither Flightdeck's data folder nor the environment of Flightdeck's processes
 * (the database credentials), each in a working folder of its own. Not root, they run as the
 * same user as Flightdeck, which is said once in the log.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface RunAs {
  name: string;
  uid: number;
  gid: number;
}

const NAME = /^[a-z_][a-z0-9_-]{0,31}$/;
const DEFAULT_USER = 'flightdeck-run';

let resolved: { who: RunAs | null } | null = null;

function say(m: string) {
  console.log(`[flightdeck] ${m}`);
}

function ids(name: string): RunAs | null {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim());
    const gid = Number(execFileSync('id', ['-g', name], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim());
    return { name, uid, gid };
  } catch {
    return null;
  }
}

/** Block briefly (user creation is rare and happens once per process). */
function pause(ms: number) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function ensureUser(name: string): RunAs {
  for (let attempt = 0; attempt < 10; attempt++) {
    const found = ids(name);
    if (found) return found;
    try {
      execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', name], { stdio: ['ignore', 'ignore', 'pipe'] });
      say(`created the unprivileged user ${name} to run instances and hooks`);
    } catch {
      // Another process may be creating it at this moment (the passwd file is locked): look again.
      pause(200);
    }
  }
  throw new Error(`could not create the user ${name} to run instances and hooks as (useradd failed); create it, or set FLIGHTDECK_RUN_AS to an existing unprivileged user`);
}

/** The user instances and hooks run as; null: the same user as this process. */
export function runAs(): RunAs | null {
  if (resolved) return resolved.who;
  if (process.getuid?.() !== 0) {
    say('not running as root: instances and hooks run as the same user as Flightdeck (run as root to give them an unprivileged user of their own)');
    resolved = { who: null };
    return null;
  }
  const name = process.env.FLIGHTDECK_RUN_AS || DEFAULT_USER;
  if (!NAME.test(name)) throw new Error(`FLIGHTDECK_RUN_AS=${JSON.stringify(name)} is not a user name (lowercase letters, digits, _ and -)`);
  const who = ensureUser(name);
  if (who.uid === 0) throw new Error(`FLIGHTDECK_RUN_AS=${name} is root: instances and hooks must run as an unprivileged user`);
  say(`instances and hooks run as ${name} (uid ${who.uid}), each in a folder of its own`);
  resolved = { who };
  return who;
}

/** Where the working folders live: only their owners may enter them; nobody may list them. */
function workRoot(): string {
  const root = path.resolve(process.env.FLIGHTDECK_WORK_DIR || path.join(tmpdir(), 'flightdeck-work'));
  mkdirSync(root, { recursive: true });
  chmodSync(root, process.getuid?.() === 0 ? 0o711 : 0o700);
  return root;
}

/** A fresh working folder for one instance or hook run, owned by whoever runs it (0700). */
export function workFolder(label: string, who: RunAs | null): string {
  const dir = mkdtempSync(path.join(workRoot(), `${label.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80)}-`));
  if (who) chownSync(dir, who.uid, who.gid);
  chmodSync(dir, 0o700);
  return dir;
}

export function removeWorkFolder(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Whether any user may read `file` (every folder on its way searchable, the file readable by others). */
function readableByOthers(file: string): boolean {
  try {
    if ((statSync(file).mode & 0o004) === 0) return false;
    for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
      if ((statSync(dir).mode & 0o001) === 0) return false;
      if (path.dirname(dir) === dir) return true;
    }
  } catch {
    return false;
  }
}

/**
 * A script shipped with Flightdeck (the demo service) for a user that cannot read Flightdeck's
 * folder: a copy in its working folder. Anything else is left as it is.
 */
export function readableCopy(file: string, who: RunAs | null, folder: string): string {
  if (!who || readableByOthers(file)) return file;
  const copy = path.join(folder, path.basename(file));
  copyFileSync(file, copy);
  chownSync(copy, who.uid, who.gid);
  return copy;
}
