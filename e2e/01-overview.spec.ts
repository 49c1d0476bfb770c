import { expect, test } from '@playwright/test';
import { open } from './support';

test.describe('overview', () => {
  test('lists every demo service with its dependencies, and the API reports a healthy database', async ({ page, request }) => {
    const health = await request.get('/api/health');
    expect(health.status()).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', database: { ok: true } });

    await open(page, '/');
    await expect(page.getByRole('heading', { name: 'Services' })).toBeVisible();
    for (const name of ['auth-service', 'api-gateway', 'payment-gateway', 'inventory-service', 'analytics-pipeline', 'notification-service']) {
      await expect(page.getByTestId(`service-row-${name}`)).toBeVisible();
    }
    await expect(page.getByTestId('service-row-api-gateway')).toContainText('auth-service');
    await page.screenshot({ path: 'test-results/screenshots/overview.png', fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: 'test-results/screenshots/overview-dark.png', fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });
  });
});

test('a demo service answers through its router with its live version', async ({ request }) => {
  let body: { liveVersion: string | null; address: string | null } = { liveVersion: null, address: null };
  await expect
    .poll(async () => {
      body = await (await request.get('/api/v1/services/auth-service')).json();
      return body.liveVersion;
    }, { timeout: 60_000 })
    .not.toBeNull();
  expect(body.address).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  const res = await request.get(`${body.address}/hello`);
  expect(res.status()).toBe(200);
  expect(await res.json()).toMatchObject({ service: 'auth-service', version: body.liveVersion });
  // One exposition for every environment: each sample carries its environment (production's
  // routers come up once the seed has promoted the first versions there).
  const metrics = () => request.get('/metrics').then((r) => r.text());
  await expect.poll(metrics, { timeout: 180_000, intervals: [2000] }).toContain('flightdeck_requests_total{environment="staging",service="auth-service"');
  await expect.poll(metrics, { timeout: 180_000, intervals: [2000] }).toContain('flightdeck_requests_total{environment="production",service="auth-service"');
});
