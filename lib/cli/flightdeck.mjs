#!/usr/bin/env node
// The `flightdeck` bin: plain Node running the compiled CLI (dist/cli.js), which is compiled
// first when it is missing or older than lib/cli/main.ts (a fresh clone after `npm ci`).
// `flightdeck agent …` runs this host's runtime agent instead (dist/agent.js, compiled the same way).
// Whatever goes wrong in the CLI, the answer is one line and an exit status (3: outcome
// unknown), never a stack trace: CI reads both.
import { ROOT, ensureBuilt } from '../build/build.mjs';

const log = (m) => process.stderr.write(`flightdeck: ${m}\n`);

if (process.argv[2] === 'agent') {
  await ensureBuilt(['agent'], { log });
  // Relative commands of the instances it runs (the demo service) resolve in this installation.
  process.env.FLIGHTDECK_BASE_DIR ??= ROOT;
  await import('../../dist/agent.js');
} else {
  const fail = (e) => {
    process.stderr.write(`flightdeck: ${String(e?.message ?? e).replace(/\s*\n\s*/g, ' ').slice(0, 500)}\n`);
    process.exit(3);
  };
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  try {
    await ensureBuilt(['cli'], { log });
    const { run, processIo } = await import('../../dist/cli.js');
    process.exitCode = await run(process.argv.slice(2), processIo);
  } catch (e) {
    fail(e);
  }
}
