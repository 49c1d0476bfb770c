import { expect, test } from '@playwright/test';
import { activate, api, open, routerAnswers, shot, waitDeployment, waitIdle, waitSeedDone } from './support';

/**
 * Incident responder: payment-gateway v2.3.0 is live in staging and failing; from the overview's
 * staging cell one click plus its confirmation rolls it back to v2.2.0, and the router then
 * answers v2.2.0.
 */
test('one click from the overview rolls payment-gateway back to v2.2.0', async ({ page, request }) => {
  test.setTimeout(420_000);
  await waitSeedDone(request);
  await waitIdle(request, 'payment-gateway');
  // The incident: someone forced v2.3.0 out with a strategy that does no analysis.
  const r = await api<{ id: string }>(request, 'POST', '/api/v1/services/payment-gateway/deployments', { version: '2.3.0', strategy: 'rolling', force: true });
  await waitDeployment(request, r.id, ['succeeded']);
  expect((await routerAnswers(request, 'payment-gateway', 10)).versions).toEqual(new Set(['2.3.0']));

  await open(page, '/');
  await expect(page.getByTestId('live-payment-gateway-staging')).toContainText('v2.3.0');
  await shot(page, 'incident-overview-before');
  const dialog = page.getByTestId('cell-payment-gateway-staging').getByTestId('rollback-dialog');
  await activate(page.getByTestId('rollback-payment-gateway-staging'), dialog.getByTestId('rollback-plan'));
  await expect(dialog.getByTestId('rollback-plan')).toContainText('Traffic returns to v2.2.0');
  await shot(page, 'incident-rollback-confirm');
  await dialog.getByTestId('rollback-confirm').click();

  await expect(page).toHaveURL(/\/deployments\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId('deployment-state')).toHaveText('succeeded', { timeout: 120_000 });
  await shot(page, 'incident-rollback-done');
  const after = await routerAnswers(request, 'payment-gateway', 40);
  expect(after.versions).toEqual(new Set(['2.2.0']));
  expect(after.statuses).toEqual(new Set([200]));
  await open(page, '/');
  await expect(page.getByTestId('live-payment-gateway-staging')).toContainText('v2.2.0');
  await expect(page.getByTestId('overview-summary')).toContainText('0 deploying');
  await expect(page.getByTestId('change-list')).toBeVisible();
  await shot(page, 'incident-overview-after');
});
