import { expect, test } from '@playwright/test';
import { api, expectNoSideScroll, open, PHONE, shot, waitSeedDone } from './support';

type Figures = { deployments: number; perDay: number; changeFailureRate: { rate: number | null; failed: number }; timeToRestore: { medianSeconds: number | null }; leadTime: { medianSeconds: number | null }; trend: Array<{ deployments: number }> };

/** Insights: the four DORA figures from the seeded months of history, over the API and on the page, with trends. */
test('insights show the four DORA figures from the seeded history, with trends', async ({ page, request }) => {
  await waitSeedDone(request);
  const i = await api<{ environment: string; days: number; bucket: string; overall: Figures; services: Array<{ service: string } & Figures> }>(request, 'GET', '/api/v1/insights?days=90');
  expect([i.environment, i.days, i.bucket]).toEqual(['production', 90, 'week']);
  expect(i.overall.deployments).toBeGreaterThan(50);
  expect(i.overall.changeFailureRate.failed).toBeGreaterThan(0);
  expect(i.overall.timeToRestore.medianSeconds).toBeGreaterThan(0);
  expect(i.overall.leadTime.medianSeconds).toBeGreaterThan(0);
  expect(i.overall.trend).toHaveLength(13);
  // The seeded team improves: more deployments in the last month than in the first.
  const sum = (xs: Array<{ deployments: number }>) => xs.reduce((n, t) => n + t.deployments, 0);
  expect(sum(i.overall.trend.slice(-4))).toBeGreaterThan(sum(i.overall.trend.slice(0, 4)));
  expect(i.services.map((s) => s.service)).toContain('payment-gateway');
  const one = await api<{ service: string; services: unknown[] }>(request, 'GET', '/api/v1/insights?service=payment-gateway&days=30&environment=staging');
  expect([one.service, one.services.length]).toEqual(['payment-gateway', 1]);
  const refused = await request.get('/api/v1/insights?days=14');
  expect(refused.status()).toBe(422);
  expect((await refused.json()).error.message).toContain('days must be 7, 30 or 90');

  await open(page, '/insights?days=90');
  for (const key of ['frequency', 'lead-time', 'failure-rate', 'restore']) {
    await expect(page.getByTestId(`insight-${key}-value`)).not.toHaveText('—');
    await expect(page.getByTestId(`insight-${key}-trend`)).toBeVisible();
  }
  await expect(page.getByTestId('insights-service-payment-gateway')).toBeVisible();
  await shot(page, 'insights');
  await page.getByTestId('insights-service-payment-gateway').getByRole('link').click();
  await expect(page).toHaveURL(/service=payment-gateway/);
  await expect(page.getByTestId('insight-frequency-value')).not.toHaveText('—');
  await page.setViewportSize(PHONE);
  await open(page, '/insights?days=30');
  await expectNoSideScroll(page);
  await shot(page, 'phone-insights-30');
});
