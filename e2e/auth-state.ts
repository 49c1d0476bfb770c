import path from 'node:path';

/** The first admin of the end-to-end server (playwright.config.ts passes it to `npm start`). */
export const E2E_ADMIN = { email: 'e2e-admin@flightdeck.test', password: 'e2e-admin-password-1' };
export const STORAGE_STATE = path.join(import.meta.dirname, '..', 'test-results', 'e2e-auth', 'admin.json');
