import { expect, test } from '@playwright/test';
import { activate, open, shot, waitIdle } from './support';

/**
 * A multi-service release from the Releases page runs in dependency waves (auth-service before
 * api-gateway, which depends on it) and is followed live, then is rolled back as a whole in
 * reverse waves; "What changed" then lists it with the earlier rollback, filtered by service.
 * The dialogs work from the keyboard alone.
 */
test('a release runs in dependency waves, followed live, and shows up in what changed', async ({ page, request }) => {
  test.setTimeout(300_000);
  await waitIdle(request, 'auth-service');
  await waitIdle(request, 'api-gateway');
  // Whichever auth-service version is not live in staging now (earlier specs may have moved it).
  const auth = await (await request.get('/api/v1/services/auth-service')).json();
  const other = auth.liveVersion === '1.4.0' ? '1.5.0' : '1.4.0';
  await open(page, '/releases');
  // Until the form is hydrated a choice does not reach React: choose until the button counts both.
  await expect(async () => {
    await page.getByTestId('release-version-auth-service').selectOption(other);
    await page.getByTestId('release-version-api-gateway').selectOption('3.1.0');
    await expect(page.getByTestId('release-submit')).toHaveText('Release 2 services', { timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  await shot(page, 'release-new');
  await page.getByTestId('release-submit').click();

  await expect(page).toHaveURL(/\/releases\/[0-9a-f-]{36}$/);
  const waves = page.getByTestId('release-waves').locator('> li');
  await expect(waves).toHaveCount(2);
  await expect(waves.nth(0)).toContainText('auth-service');
  await expect(waves.nth(1)).toContainText('api-gateway');
  await shot(page, 'release-running');
  await expect(page.getByTestId('release-state')).toHaveText('succeeded', { timeout: 180_000 });
  await expect(page.getByTestId('release-item-api-gateway')).toContainText('succeeded');
  await shot(page, 'release-succeeded');

  // The whole release rolled back as one: a preview of the reverse waves, then the rollback
  // release runs api-gateway first (it depends on auth-service) and both return to what was live.
  const releaseUrl = page.url();
  const dialog = page.getByTestId('release-rollback-plan');
  await activate(page.getByTestId('release-rollback'), dialog);
  await expect(dialog.getByTestId('release-rollback-item-api-gateway')).toBeVisible();
  await expect(dialog.getByTestId('release-rollback-item-auth-service')).toBeVisible();
  await shot(page, 'release-rollback-preview');
  await page.getByTestId('release-rollback-confirm').click();
  await expect(page).not.toHaveURL(releaseUrl);
  await expect(page).toHaveURL(/\/releases\/[0-9a-f-]{36}$/);
  const rollbackWaves = page.getByTestId('release-waves').locator('> li');
  await expect(rollbackWaves).toHaveCount(2);
  await expect(rollbackWaves.nth(0)).toContainText('api-gateway');
  await expect(rollbackWaves.nth(1)).toContainText('auth-service');
  await expect(page.getByTestId('release-state')).toHaveText('succeeded', { timeout: 180_000 });
  await shot(page, 'release-rolled-back');
  const authAfter = await (await request.get('/api/v1/services/auth-service')).json();
  expect(authAfter.liveVersion).toBe(auth.liveVersion);
  await open(page, releaseUrl);
  await expect(page.getByTestId('release-rolled-back')).toContainText('succeeded');

  await open(page, '/changes');
  await expect(page.getByTestId('change-list')).toBeVisible();
  await page.getByTestId('changes-filter').selectOption('payment-gateway');
  await expect(page.getByTestId('change-rollback').first()).toContainText('v2.3.0 → v2.2.0');
  await expect(page.getByTestId('change-list').locator('li').filter({ hasText: 'auth-service' })).toHaveCount(0);
  await shot(page, 'what-changed');
});

test('the rollback and deploy dialogs work from the keyboard', async ({ page }) => {
  await open(page, '/');
  const dialog = page.getByTestId('cell-payment-gateway-staging').getByTestId('rollback-dialog');
  await activate(page.getByTestId('rollback-payment-gateway-staging'), dialog.getByTestId('rollback-plan'), 'Enter');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();

  await open(page, '/services/inventory-service');
  const deploy = page.getByTestId('deploy-dialog');
  await activate(page.getByTestId('deploy-open'), deploy, 'Enter');
  // The dialog's buttons are real buttons: focused, Enter asks for the plan.
  await deploy.getByTestId('deploy-preview').press('Enter');
  await expect(deploy.getByTestId('plan-preview')).toBeVisible();
  await shot(page, 'keyboard-deploy-preview');
  await page.keyboard.press('Escape');
  await expect(deploy).toBeHidden();
});
