import { expect, test } from '@playwright/test';
import { api, open, shot } from './support';

/**
 * SRE: the demo's canary of payment-gateway v2.3.0 (5 % errors, under the demo's real
 * traffic) is aborted by analysis on its own; the timeline shows the failed analysis and why.
 */
test('the canary of payment-gateway v2.3.0 is aborted automatically, and the timeline says why', async ({ page, request }) => {
  test.setTimeout(420_000);
  let id = '';
  await expect
    .poll(async () => {
      const s = await api<{ deployments: Array<{ id: string; to: string; strategy: string }> }>(request, 'GET', '/api/v1/services/payment-gateway');
      id = s.deployments.find((d) => d.to === '2.3.0' && d.strategy === 'canary')?.id ?? '';
      return id;
    }, { timeout: 300_000, intervals: [2000] })
    .not.toBe('');
  await open(page, `/deployments/${id}`);
  await expect(page.getByTestId('canary-panel')).toBeVisible();
  await expect(page.getByTestId('feed-status')).toHaveText('live');
  await expect(page.locator('[data-testid="timeline"] li[data-type="analysis_started"]')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('instances')).toBeVisible();
  await shot(page, 'sre-canary-running');
  await expect(page.getByTestId('deployment-state')).toHaveText('failed', { timeout: 240_000 });
  const failed = page.locator('[data-testid="timeline"] li[data-type="analysis_failed"]');
  await expect(failed).toBeVisible();
  await expect(failed).toContainText(/error rate/i);
  await expect(page.getByTestId('deployment-reason')).toContainText(/analysis failed/i);
  await expect(page.getByTestId('canary-verdict-badge')).toHaveText('failed');
  await expect(page.getByTestId('canary-verdict')).toContainText(/canary error rate [\d.]+% vs baseline/);
  await expect(page.getByTestId('canary-chart-error-rate')).toBeVisible();
  await shot(page, 'sre-canary-aborted');

  const service = await api<{ liveVersion: string; versions: Array<{ version: string; bad: boolean }> }>(request, 'GET', '/api/v1/services/payment-gateway');
  expect(service.liveVersion).toBe('2.2.0');
  expect(service.versions.find((v) => v.version === '2.3.0')?.bad).toBe(true);
});
