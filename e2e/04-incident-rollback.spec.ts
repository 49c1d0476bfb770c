import { expect, test } from '@playwright/test';
import { activate, api, open, routerAnswers, shot, waitDeployment, waitIdle, waitSeedDone } from './support';

/**
 * Incident responder: payment-gateway v2.3.0 was promoted in staging (it succeeded) and is
 * failing; v2.2.0 still runs out of rotation inside its warm window, which the overview shows
 * next to Roll back. One click plus its confirmation switches traffic back to v2.2.0 without
 * starting a process, and the router then answers v2.2.0.
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
  // Inside the warm window: a switch, no process to start, and the time left is shown.
  await expect(page.getByTestId('warm-payment-gateway-staging')).toBeVisible();
  await expect(dialog.getByTestId('rollback-speed')).toContainText('no process starts');
  await expect(dialog.getByTestId('rollback-speed')).toContainText('The window closes in');
  await shot(page, 'incident-rollback-confirm');
  await dialog.getByTestId('rollback-confirm').click();

  await expect(page).toHaveURL(/\/deployments\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId('deployment-state')).toHaveText('succeeded', { timeout: 120_000 });
  await shot(page, 'incident-rollback-done');
  const rollbackId = page.url().split('/').pop()!;
  const { events } = await api<{ events: Array<{ type: string }> }>(request, 'GET', `/api/v1/deployments/${rollbackId}/events`);
  const types = events.map((e) => e.type);
  expect(types).toContain('warm_instances_adopted');
  expect(types, 'a rollback inside the warm window starts no process').not.toContain('instances_started');
  const after = await routerAnswers(request, 'payment-gateway', 40);
  expect(after.versions).toEqual(new Set(['2.2.0']));
  expect(after.statuses).toEqual(new Set([200]));
  await open(page, '/');
  await expect(page.getByTestId('live-payment-gateway-staging')).toContainText('v2.2.0');
  await expect(page.getByTestId('overview-summary')).toContainText('0 deploying');
  await expect(page.getByTestId('change-list')).toBeVisible();
  await shot(page, 'incident-overview-after');
});
