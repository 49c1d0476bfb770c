#!/usr/bin/env node
// The `flightdeck` bin: runs lib/cli/main.ts through tsx (a dependency of this package).
import { register } from 'tsx/esm/api';

register();
const { run, processIo } = await import('./main.ts');
process.exitCode = await run(process.argv.slice(2), processIo);
