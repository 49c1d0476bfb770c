#!/usr/bin/env node
/**
 * Flightdeck's build. Nothing compiles TypeScript at run time: the server, the runtime agent
 * and the CLI run as JavaScript bundles in dist/ (esbuild; packages stay external and load
 * from node_modules), the panel and API as the Next.js build in .next/.
 *
 *   node lib/build/build.mjs             build everything (npm run build)
 *   node lib/build/build.mjs --if-stale  build only what is missing or older than its sources (npm start)
 *
 * A part is stale when the SHA-256 of its inputs differs from the one recorded beside its
 * output when it was built: for a bundle, the files esbuild read (plus the lock file, the
 * tsconfig and this script); for the panel, every non-test file under app/, components/ and
 * lib/ plus the Next.js, PostCSS and TypeScript configuration. Content, not mtimes, so
 * switching branches back and forth does not rebuild for nothing.
 *
 * Several processes may ask at once (the CLI's tests start many `flightdeck` processes on a
 * fresh clone): one builds under a lock folder, the others wait for it and then re-check.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DIST = path.join(ROOT, 'dist');

/** The compiled entry points: dist/<name>.js from the TypeScript source. */
export const BUNDLES = {
  server: 'lib/server/main.ts',
  agent: 'lib/runtime/local/agent-main.ts',
  cli: 'lib/cli/main.ts',
};

/** Inputs of every part besides its own sources. */
const SHARED_INPUTS = ['package-lock.json', 'tsconfig.json', 'lib/build/build.mjs'];
const PANEL_DIRS = ['app', 'components', 'lib', 'public'];
const PANEL_FILES = ['next.config.ts', 'postcss.config.mjs', 'proxy.ts'];
/** Under PANEL_DIRS but never part of the panel: tests, test support, tools, the CLI and the custom server. */
const NOT_PANEL = /(\.test\.tsx?$|^lib\/(testing|bench|cli|server|build)\/)/;

const stampFile = (part) => path.join(DIST, `${part}.inputs.json`);

function hashFiles(files) {
  const h = createHash('sha256');
  for (const f of [...new Set(files)].sort()) {
    const abs = path.join(ROOT, f);
    h.update(`${f}\0`);
    h.update(existsSync(abs) ? readFileSync(abs) : '(missing)');
    h.update('\0');
  }
  return h.digest('hex');
}

function readStamp(part) {
  try {
    return JSON.parse(readFileSync(stampFile(part), 'utf8'));
  } catch {
    return null;
  }
}

function writeAtomically(file, data) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

function panelInputs() {
  const out = [...PANEL_FILES, ...SHARED_INPUTS];
  const walk = (rel) => {
    if (!existsSync(path.join(ROOT, rel))) return;
    for (const e of readdirSync(path.join(ROOT, rel), { withFileTypes: true })) {
      const r = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(r);
      else if (!NOT_PANEL.test(r)) out.push(r);
    }
  };
  for (const d of PANEL_DIRS) walk(d);
  return out;
}

function buildId() {
  try {
    return readFileSync(path.join(ROOT, '.next', 'BUILD_ID'), 'utf8').trim();
  } catch {
    return null;
  }
}

/** Why this part must be built, or null when its output is there and up to date. */
export function staleness(part) {
  const stamp = readStamp(part);
  if (part === 'panel') {
    const id = buildId();
    if (!id) return 'not built yet';
    if (!stamp || stamp.buildId !== id) return 'built outside this script';
    return stamp.hash === hashFiles(panelInputs()) ? null : 'sources changed';
  }
  if (!existsSync(path.join(DIST, `${part}.js`)) || !stamp) return 'not built yet';
  return stamp.hash === hashFiles(stamp.inputs) ? null : 'sources changed';
}

/**
 * `import.meta.dirname` in a bundle would name dist/, not the source file's folder that the
 * code means (lib/db/migrate.ts finds prisma/migrations from it): rewrite each use to the
 * source folder, relative to the bundle so the checkout may move.
 */
const sourceDirPlugin = {
  name: 'flightdeck-source-dir',
  setup(build) {
    build.onLoad({ filter: /\.(ts|tsx|mts)$/ }, (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.')) return undefined;
      const rel = (p) => JSON.stringify(`/${path.relative(DIST, p).split(path.sep).join('/')}`);
      const contents = text
        .replaceAll('import.meta.dirname', `(import.meta.dirname + ${rel(path.dirname(args.path))})`)
        .replaceAll('import.meta.filename', `(import.meta.dirname + ${rel(args.path)})`);
      return { contents, loader: args.path.endsWith('x') ? 'tsx' : 'ts' };
    });
  },
};

async function buildBundle(part) {
  const { build } = await import('esbuild');
  const outfile = path.join(DIST, `${part}.js`);
  const r = await build({
    absWorkingDir: ROOT,
    entryPoints: [BUNDLES[part]],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    tsconfig: path.join(ROOT, 'tsconfig.json'),
    sourcemap: 'linked',
    metafile: true,
    write: false,
    logLevel: 'warning',
    plugins: [sourceDirPlugin],
  });
  mkdirSync(DIST, { recursive: true });
  // The map first: a reader that sees the new bundle finds its map.
  const files = r.outputFiles.filter((f) => f.path.endsWith('.map')).concat(r.outputFiles.filter((f) => !f.path.endsWith('.map')));
  for (const f of files) writeAtomically(f.path, f.contents);
  const inputs = [...Object.keys(r.metafile.inputs), ...SHARED_INPUTS];
  writeAtomically(stampFile(part), JSON.stringify({ hash: hashFiles(inputs), inputs }, null, 2));
}

function buildPanel(log, why) {
  log(`building the panel with next build (${why})…`);
  const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/next/dist/bin/next'), 'build'], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
    // No network here, and none wanted: Next.js must not try to send telemetry.
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: process.env.NEXT_TELEMETRY_DISABLED ?? '1' },
  });
  if (r.status !== 0) throw new Error(`next build failed (exit ${r.status ?? r.signal})`);
  mkdirSync(DIST, { recursive: true });
  writeAtomically(stampFile('panel'), JSON.stringify({ hash: hashFiles(panelInputs()), buildId: buildId() }, null, 2));
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

/** Run `fn` holding dist/.build-lock (a folder: mkdir is atomic); a dead holder's lock is taken over. */
async function withLock(fn, log) {
  mkdirSync(DIST, { recursive: true });
  const lock = path.join(DIST, '.build-lock');
  let told = false;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      let holder = NaN;
      try {
        holder = Number(readFileSync(path.join(lock, 'pid'), 'utf8'));
      } catch {
        /* being written, or gone */
      }
      const age = (() => {
        try {
          return Date.now() - statSync(lock).mtimeMs;
        } catch {
          return 0;
        }
      })();
      // A holder that died, or a lock left without a pid for long, no longer builds anything.
      if ((Number.isInteger(holder) && holder > 0 && !alive(holder)) || (Number.isNaN(holder) && age > 10_000)) rmSync(lock, { recursive: true, force: true });
      else {
        if (!told) log(`waiting for the build running in process ${Number.isNaN(holder) ? '(starting)' : holder}…`);
        told = true;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Build the parts that are missing or stale (all of them with `force`). Parts: the names of
 * BUNDLES and 'panel'. The panel is skipped in development, where Next.js compiles on demand.
 */
export async function ensureBuilt(parts, { force = false, log = (m) => console.log(`[build] ${m}`) } = {}) {
  const wanted = parts.filter((p) => p !== 'panel' || process.env.NODE_ENV !== 'development');
  const todo = () => wanted.filter((p) => force || staleness(p) !== null);
  if (todo().length === 0) return [];
  return withLock(async () => {
    const built = [];
    for (const part of todo()) {
      const why = force ? 'asked to' : staleness(part);
      if (part === 'panel') buildPanel(log, why);
      else {
        log(`compiling ${BUNDLES[part]} → dist/${part}.js (${why})`);
        await buildBundle(part);
      }
      built.push(part);
    }
    return built;
  }, log);
}

export const ALL_PARTS = [...Object.keys(BUNDLES), 'panel'];

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const ifStale = process.argv.includes('--if-stale');
  try {
    const built = await ensureBuilt(ALL_PARTS, { force: !ifStale });
    if (built.length === 0) console.log('[build] everything is up to date');
  } catch (e) {
    console.error(`[build] failed: ${e.message}`);
    process.exit(1);
  }
}
