import { expect, test } from '@playwright/test';
import { api, expectNoSideScroll, open, PHONE, shot, waitSeedDone } from './support';

/**
 * The on-call responder's phone (390×844): the header fits behind a Menu button, the overview
 * is one card per service with a block per environment, every page scrolls only down, and Roll
 * back is two taps away (the button in the card, then the confirmation).
 */
test.use({ viewport: PHONE, hasTouch: true });

test('on a phone: no page scrolls sideways, the menu opens, and Roll back is two taps away', async ({ page, request }) => {
  test.setTimeout(420_000);
  await waitSeedDone(request);
  await open(page, '/');
  await expect(page.getByTestId('service-row-payment-gateway')).toBeVisible();
  await expectNoSideScroll(page);
  // The matrix header row is for wide screens; each block names its environment instead.
  await expect(page.getByTestId('cell-payment-gateway-production')).toContainText('production');
  await expect(page.getByTestId('overview-feed')).toHaveText('live');
  await shot(page, 'phone-overview');

  // The header: brand and a Menu button; the links open under it.
  await expect(page.getByRole('navigation', { name: 'Main', exact: true })).toBeHidden();
  await page.getByTestId('menu-toggle').click();
  await expect(page.getByTestId('mobile-menu')).toBeVisible();
  await expect(page.getByTestId('mobile-menu').getByRole('link', { name: 'Insights' })).toBeVisible();
  await expectNoSideScroll(page);
  await shot(page, 'phone-menu');
  await page.getByTestId('menu-toggle').click();

  // Tap 1: Roll back in payment-gateway's production block; tap 2 would confirm.
  const cell = page.getByTestId('cell-payment-gateway-production');
  await cell.getByTestId('rollback-payment-gateway-production').tap();
  const dialog = cell.getByTestId('rollback-dialog');
  await expect(dialog.getByTestId('rollback-plan')).toContainText('Traffic returns to v2.1.0');
  await expect(dialog.getByTestId('rollback-confirm')).toBeInViewport();
  await expect(dialog.getByTestId('rollback-confirm')).toBeFocused();
  await shot(page, 'phone-rollback-confirm');
  await dialog.getByRole('button', { name: 'Cancel' }).tap();
  await expect(dialog).toBeHidden();

  const s = await api<{ deployments: Array<{ id: string; to: string; strategy: string }> }>(request, 'GET', '/api/v1/services/payment-gateway');
  const canary = s.deployments.find((d) => d.to === '2.3.0' && d.strategy === 'canary')!;
  for (const [url, name, ready] of [
    ['/services/payment-gateway', 'phone-service', '[data-testid="instances"]'],
    ['/services/payment-gateway?environment=production&range=24h', 'phone-service-production-24h', '[data-testid="instances"]'],
    [`/deployments/${canary.id}`, 'phone-deployment', '[data-testid="canary-verdict"]'],
    ['/changes', 'phone-what-changed', '[data-testid="change-list"]'],
    ['/insights', 'phone-insights', '[data-testid="insights-services"]'],
    ['/releases', 'phone-releases', 'main h1'],
    ['/approvals', 'phone-approvals', 'main h1'],
    ['/admin/environments', 'phone-admin-environments', 'main h1'],
    ['/admin/hosts', 'phone-admin-hosts', 'main h1'],
  ] as const) {
    await open(page, url);
    await expect(page.locator(ready).first()).toBeVisible();
    if (url.startsWith('/deployments/')) await expect(page.locator('[data-testid="timeline"] li').first()).toBeVisible();
    await expectNoSideScroll(page);
    // What changed lists 200 changes: its first screen is what a person sees.
    await shot(page, name, url !== '/changes');
  }
  // The timeline's messages get the full width of the screen, under their number, time and type.
  await open(page, `/deployments/${canary.id}`);
  const row = page.locator('[data-testid="timeline"] li').first();
  await expect(row).toBeVisible();
  const message = await row.locator('p').boundingBox();
  expect(message!.width).toBeGreaterThan(250);
});
