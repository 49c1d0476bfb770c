import { expect, test } from '@playwright/test';
import { E2E_ADMIN } from './auth-state';

test.describe('signed out', () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test('a page sends an anonymous visitor to sign-in; the API answers 401', async ({ page, request }) => {
    await page.goto('/admin/users');
    await expect(page).toHaveURL(/\/login\?next=%2Fadmin%2Fusers/);
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    for (const [method, url] of [
      ['POST', '/api/v1/services'],
      ['POST', '/api/v1/services/payment-gateway/rollback'],
      ['GET', '/api/v1/services'],
    ] as const) {
      const res = await request.fetch(url, { method, data: method === 'POST' ? {} : undefined });
      expect(res.status(), `${method} ${url}`).toBe(401);
      expect((await res.json()).error.code).toBe('unauthorized');
    }
  });

  test('a wrong password is refused on the page; the right one signs in and returns to the page asked for', async ({ page }) => {
    await page.goto('/admin/audit');
    await page.getByLabel('Email').fill(E2E_ADMIN.email);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByTestId('login-form').getByRole('alert')).toHaveText('wrong email or password');
    await page.getByLabel('Password').fill(E2E_ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { name: 'Audit log' })).toBeVisible();
    // The refused attempt is on the audit log.
    await expect(page.getByTestId('audit-row').filter({ hasText: 'denied' }).first()).toContainText(E2E_ADMIN.email);
    await page.screenshot({ path: 'test-results/screenshots/admin-audit.png', fullPage: true });
  });
});

test('an admin creates a CI token (shown once) that the API accepts, then revokes it', async ({ page, request }) => {
  await page.goto('/admin/tokens');
  await page.getByTestId('create-token').getByLabel('Name').fill('e2e-ci');
  await page.getByTestId('create-token').getByRole('button', { name: 'Create token' }).click();
  const token = (await page.getByTestId('new-token').textContent())!.trim();
  expect(token).toMatch(/^fdt_/);
  const ok = await request.get('/api/v1/auth/me', { headers: { authorization: `Bearer ${token}` } });
  expect(await ok.json()).toMatchObject({ actor: 'token:e2e-ci', role: 'deployer' });
  await page.reload();
  await page.getByTestId('token-row-e2e-ci').getByRole('button', { name: 'Revoke' }).click();
  await expect(page.getByTestId('token-row-e2e-ci')).toContainText('revoked by');
  const no = await request.get('/api/v1/auth/me', { headers: { authorization: `Bearer ${token}` } });
  expect(no.status()).toBe(401);
  await page.screenshot({ path: 'test-results/screenshots/admin-tokens.png', fullPage: true });
});

test('a viewer signs in, sees the overview, and is told the admin pages are not for them', async ({ request, browser }) => {
  const created = await request.post('/api/v1/users', { data: { email: 'e2e-viewer@flightdeck.test', password: 'e2e-viewer-password', role: 'viewer' } });
  expect(created.status()).toBe(201);
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  await page.goto('/login');
  await page.getByLabel('Email').fill('e2e-viewer@flightdeck.test');
  await page.getByLabel('Password').fill('e2e-viewer-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Services' })).toBeVisible();
  await expect(page.getByTestId('user-menu')).toContainText('e2e-viewer@flightdeck.test · viewer');
  await page.goto('/admin/users');
  await expect(page.getByTestId('forbidden')).toHaveText('This page needs the admin role; you are a viewer.');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.goto('/');
  await expect(page).toHaveURL(/\/login/);
  await context.close();
});
