import { expect, test } from '@playwright/test';
import { api, open, shot } from './support';

/** A viewer sees the panel without a single mutation button, and a forced mutation is refused. */
test('a viewer sees no mutation buttons, and a forced mutation is refused', async ({ request, browser }) => {
  const email = 'e2e-readonly@flightdeck.test';
  const password = 'e2e-readonly-password';
  expect((await request.post('/api/v1/users', { data: { email, password, role: 'viewer' } })).status()).toBe(201);
  const s = await api<{ deployments: Array<{ id: string }> }>(request, 'GET', '/api/v1/services/payment-gateway');

  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  await open(page, '/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Services' })).toBeVisible();
  await expect(page.getByTestId('service-row-payment-gateway')).toBeVisible();
  await expect(page.locator('[data-testid^="rollback-"]')).toHaveCount(0);
  await shot(page, 'viewer-overview');

  await open(page, '/services/payment-gateway');
  await expect(page.getByTestId('versions')).toBeVisible();
  for (const id of ['deploy-open', 'version-open', 'break-lease']) await expect(page.getByTestId(id)).toHaveCount(0);
  await expect(page.locator('[data-testid^="rollback-"], [data-testid^="promote-"]')).toHaveCount(0);
  await shot(page, 'viewer-service');

  await open(page, `/deployments/${s.deployments[0]!.id}`);
  await expect(page.getByTestId('read-only')).toBeVisible();
  await expect(page.getByTestId('controls')).toHaveCount(0);
  await expect(page.getByRole('button', { name: /abort|pause|promote|roll back/i })).toHaveCount(0);

  await open(page, '/releases');
  await expect(page.getByTestId('release-form')).toHaveCount(0);

  // Forcing it anyway, with the viewer's own session: refused, and nothing happens.
  const before = (await api<{ deployments: unknown[] }>(request, 'GET', '/api/v1/services/payment-gateway')).deployments.length;
  for (const [path, data] of [
    ['/api/v1/services/payment-gateway/rollback', {}],
    ['/api/v1/services/payment-gateway/deployments', { version: '2.1.0', strategy: 'rolling' }],
  ] as const) {
    const res = await page.request.post(path, { data, headers: { origin: new URL(page.url()).origin } });
    expect(res.status(), path).toBe(403);
    expect((await res.json()).error.message).toContain('needs the deployer role');
  }
  expect((await api<{ deployments: unknown[] }>(request, 'GET', '/api/v1/services/payment-gateway')).deployments.length).toBe(before);
  await context.close();
});
