import { expect, test } from '@playwright/test';
import { activate, api, open, shot, waitDeployment, waitIdle, waitSeedDone } from './support';

/**
 * Deploying a version marked bad, and a downgrade, say so before anything happens: a bad
 * version is never preselected (not even when every candidate is bad), its preview says it is
 * bad rather than "preflight ok", and the confirm button asks for an explicit "deploy anyway"
 * — which then deploys, with no server error asking for `force`. A downgrade is called one.
 */
test('a bad version needs an explicit deploy anyway; a downgrade gets a warning', async ({ page, request }) => {
  test.setTimeout(420_000);
  await waitSeedDone(request);
  await waitIdle(request, 'payment-gateway');

  // payment-gateway in staging: v2.3.0 is bad, v2.2.0 live, the rest older.
  await open(page, '/services/payment-gateway');
  const dialog = page.getByTestId('deploy-dialog');
  await activate(page.getByTestId('deploy-open'), dialog.getByTestId('deploy-version'));
  await expect(dialog.getByTestId('deploy-version')).toHaveValue('');
  await expect(dialog.getByTestId('deploy-preview')).toBeDisabled();
  // Empty fields show what runs: the service's own canary settings, not the engine's defaults.
  await expect(dialog.getByTestId('deploy-strategy')).toHaveValue('canary');
  await expect(dialog.getByTestId('deploy-param-steps')).toHaveAttribute('placeholder', '10, 50, 100');
  await expect(dialog.getByTestId('deploy-param-windowSeconds')).toHaveAttribute('placeholder', '60');
  await expect(dialog.getByTestId('deploy-param-minSamples')).toHaveAttribute('placeholder', '50');
  await dialog.getByTestId('deploy-version').selectOption('2.3.0');
  await expect(dialog.getByTestId('deploy-bad-warning')).toContainText('v2.3.0 is marked bad');
  await dialog.getByTestId('deploy-preview').click();
  await expect(dialog.getByTestId('preflight')).toContainText('v2.3.0 is marked bad');
  await expect(dialog.getByTestId('preflight')).not.toContainText('preflight ok');
  const confirm = dialog.getByTestId('deploy-confirm');
  await expect(confirm).toHaveText(/^Deploy bad v2\.3\.0 anyway to staging/);
  await expect(confirm).toBeDisabled();
  await shot(page, 'bad-version-preview');

  // A downgrade: v2.1.0 is older than the live v2.2.0.
  await dialog.getByTestId('deploy-version').selectOption('2.1.0');
  await expect(dialog.getByTestId('deploy-downgrade-warning')).toContainText('This is a downgrade: v2.1.0 is older than v2.2.0');
  await dialog.getByTestId('deploy-preview').click();
  await expect(dialog.getByTestId('deploy-confirm')).toHaveText(/^Downgrade to v2\.1\.0 in staging/);
  await expect(dialog.getByTestId('deploy-confirm')).toBeEnabled();
  await shot(page, 'downgrade-preview');
  await page.keyboard.press('Escape');

  // A service whose only candidate is bad: v1.1.0 was rolled back from (marked bad), v1.0.0 is live.
  const template = { command: 'node', args: ['lib/runtime/demo/service.mjs'], env: {} };
  await api(request, 'POST', '/api/v1/services', { name: 'e2e-only-bad', replicas: 1, template, health: { intervalSeconds: 1, gracePeriodSeconds: 30 } });
  for (const version of ['1.0.0', '1.1.0']) await api(request, 'POST', '/api/v1/services/e2e-only-bad/versions', { version });
  for (const version of ['1.0.0', '1.1.0']) {
    const d = await api<{ id: string }>(request, 'POST', '/api/v1/services/e2e-only-bad/deployments', { version, strategy: 'rolling' });
    await waitDeployment(request, d.id, ['succeeded']);
  }
  const back = await api<{ deploymentId: string }>(request, 'POST', '/api/v1/services/e2e-only-bad/rollback', {});
  await waitDeployment(request, back.deploymentId, ['succeeded']);

  await open(page, '/services/e2e-only-bad');
  await activate(page.getByTestId('deploy-open'), dialog.getByTestId('deploy-version'));
  await expect(dialog.getByTestId('deploy-version')).toHaveValue('');
  await expect(dialog.getByTestId('deploy-version').locator('option')).toHaveText(['Choose a version', 'v1.1.0 (marked bad)']);
  await dialog.getByTestId('deploy-version').selectOption('1.1.0');
  await dialog.getByTestId('deploy-preview').click();
  await expect(dialog.getByTestId('deploy-confirm')).toBeDisabled();
  await dialog.getByTestId('deploy-force').check();
  await expect(dialog.getByTestId('deploy-confirm')).toBeEnabled();
  await shot(page, 'bad-version-deploy-anyway');
  await dialog.getByTestId('deploy-confirm').click();
  await expect(page).toHaveURL(/\/deployments\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId('deployment-state')).toHaveText('succeeded', { timeout: 120_000 });
  await expect(page.getByTestId('action-error')).toHaveCount(0);
});

test('Roll back is offered only where it undoes the newest change, and not where nothing earlier exists', async ({ page, request }) => {
  await waitSeedDone(request);
  await open(page, '/changes');
  await page.getByTestId('changes-filter').selectOption('payment-gateway');
  // The v2.3.0 canary in staging failed and already sent traffic back: no Roll back on its row.
  const failed = page.getByTestId('change-list').locator('li').filter({ hasText: 'canary deploy v2.2.0 → v2.3.0 in staging: failed' });
  await expect(failed.first()).toBeVisible();
  await expect(failed.first().locator('[data-testid^="rollback-"]')).toHaveCount(0);
  await shot(page, 'what-changed-rollback-placement');

  const template = { command: 'node', args: ['lib/runtime/demo/service.mjs'], env: {} };
  await api(request, 'POST', '/api/v1/services', { name: 'e2e-first-only', replicas: 1, template, health: { intervalSeconds: 1, gracePeriodSeconds: 30 } });
  await api(request, 'POST', '/api/v1/services/e2e-first-only/versions', { version: '1.0.0' });
  const d = await api<{ id: string }>(request, 'POST', '/api/v1/services/e2e-first-only/deployments', { version: '1.0.0', strategy: 'rolling' });
  await waitDeployment(request, d.id, ['succeeded']);
  await open(page, '/services/e2e-first-only');
  await expect(page.getByTestId('no-rollback')).toHaveText('No earlier version to roll back to');
  await expect(page.locator('[data-testid^="rollback-e2e-first-only"]')).toHaveCount(0);
});
