import { expect, test } from '@playwright/test';
import { api, expectNoSideScroll, open, PHONE, shot } from './support';

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
  // The verdict first, as one plain sentence; the statistics (the engine's reason) one click away.
  await expect(page.getByTestId('canary-verdict')).toHaveText(/^v2\.3\.0 failed [\d.]+% of requests against [\d.]+% on v2\.2\.0 — (more than the allowed \+1 point|past the [\d.]+% limit) — so traffic went back to v2\.2\.0 after /);
  await expect(page.getByTestId('canary-reason')).toBeHidden();
  await page.getByTestId('canary-stats').locator('summary').click();
  await expect(page.getByTestId('canary-reason')).toContainText(/canary error rate [\d.]+% vs baseline/);
  // The chart draws the rule that decided (baseline with its allowed change as a band) and a
  // legend; the 5% limit, looser than baseline +1 point here, is not drawn; the canary is coloured by state.
  const chart = page.getByTestId('canary-chart-error-rate');
  await expect(chart).toBeVisible();
  await expect(chart).toHaveAttribute('data-state', 'failing');
  await expect(page.getByTestId('canary-band-error-rate')).toBeAttached();
  await expect(page.getByTestId('canary-legend-error-rate')).toContainText('allowed: baseline +1 point');
  await expect(page.getByTestId('canary-legend-error-rate')).toContainText('canary v2.3.0 (failing)');
  await expect(page.getByTestId('canary-limit-error-rate')).toHaveCount(0);
  await shot(page, 'sre-canary-aborted');
  await page.setViewportSize(PHONE);
  await expectNoSideScroll(page);
  await shot(page, 'phone-deployment-canary-aborted');

  const service = await api<{ liveVersion: string; versions: Array<{ version: string; bad: boolean }> }>(request, 'GET', '/api/v1/services/payment-gateway');
  expect(service.liveVersion).toBe('2.2.0');
  expect(service.versions.find((v) => v.version === '2.3.0')?.bad).toBe(true);
});
