import { expect, test as setup } from '@playwright/test';
import { E2E_ADMIN, STORAGE_STATE } from './auth-state';

/** Signs in once as the first admin (created by `npm start` from FLIGHTDECK_ADMIN_*), through
 * the real sign-in page, and stores the session for every other spec. */
setup('sign in as the first admin', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/login/);
  await page.getByLabel('Email').fill(E2E_ADMIN.email);
  await page.getByLabel('Password').fill(E2E_ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Services' })).toBeVisible();
  await page.context().storageState({ path: STORAGE_STATE });
});
