import { defineConfig } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { E2E_ADMIN, STORAGE_STATE } from './e2e/auth-state';

// The real server on a throwaway embedded PostgreSQL (never the user's .data/), with the
// demo seeded, in Debian's Chromium (Playwright's own browser download is not available).
const port = Number(process.env.E2E_PORT ?? 3100);
const dataDir = process.env.E2E_DATA_DIR ?? mkdtempSync(path.join(tmpdir(), 'flightdeck-e2e-'));
process.env.E2E_DATA_DIR = dataDir; // for global-teardown, which stops the runtime agent

export default defineConfig({
  testDir: 'e2e',
  globalTeardown: './e2e/global-teardown.ts',
  outputDir: 'test-results/e2e',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  // Every spec starts signed in as the first admin: the setup project signs in through the
  // sign-in page and stores the session (a spec that needs to be anonymous resets storageState).
  projects: [
    { name: 'setup', testMatch: /auth\.setup\.ts/ },
    { name: 'chromium', dependencies: ['setup'], use: { storageState: STORAGE_STATE } },
  ],
  use: {
    baseURL: `http://localhost:${port}`,
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
  webServer: {
    // Exactly as a user starts it: compiled JavaScript, built first when missing or stale.
    command: 'npm start',
    url: `http://localhost:${port}/api/health`,
    timeout: 240_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    env: { PORT: String(port), FLIGHTDECK_DATA_DIR: dataDir, FLIGHTDECK_PG_PORT: 'auto', DATABASE_URL: '', FLIGHTDECK_ADMIN_EMAIL: E2E_ADMIN.email, FLIGHTDECK_ADMIN_PASSWORD: E2E_ADMIN.password, FLIGHTDECK_ROUTER_BASE_PORT: process.env.E2E_ROUTER_BASE_PORT ?? '4300' },
  },
});
