#!/usr/bin/env node
// The `flightdeck` bin: plain Node running the compiled CLI (dist/cli.js), which is compiled
// first when it is missing or older than lib/cli/main.ts (a fresh clone after `npm ci`).
import { ensureBuilt } from '../build/build.mjs';

await ensureBuilt(['cli'], { log: (m) => process.stderr.write(`flightdeck: ${m}\n`) });
const { run, processIo } = await import('../../dist/cli.js');
process.exitCode = await run(process.argv.slice(2), processIo);
