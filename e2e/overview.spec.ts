import { expect, test } from '@playwright/test';

test.describe('overview', () => {
  test('lists every demo service with its dependencies, and the API reports a healthy database', async ({ page, request }) => {
    const health = await request.get('/api/health');
    expect(health.status()).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', database: { ok: true } });

    await page.goto('/');
    await expect(page.getByRole('heading', { name: 'Services' })).toBeVisible();
    for (const name of ['auth-service', 'api-gateway', 'payment-gateway', 'inventory-service', 'analytics-pipeline', 'notification-service']) {
      await expect(page.getByTestId(`service-row-${name}`)).toBeVisible();
    }
    await expect(page.getByTestId('service-row-api-gateway')).toContainText('auth-service');
    await page.screenshot({ path: 'test-results/screenshots/overview.png', fullPage: true });
  });
});
