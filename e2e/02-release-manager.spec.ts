import { expect, test } from '@playwright/test';
import { activate, open, routerAnswers, shot, waitIdle } from './support';

/**
 * Release manager: registers a version in the panel and deploys it with each strategy,
 * previewing the plan first, and sees each deployment succeed.
 */
test('signs in, registers versions and deploys notification-service with each strategy, each succeeding', async ({ browser, request }) => {
  test.setTimeout(420_000);
  const email = 'release-manager@flightdeck.test';
  const password = 'release-manager-password';
  expect((await request.post('/api/v1/users', { data: { email, password, role: 'deployer' } })).status()).toBe(201);
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  await open(page, '/services/notification-service');
  await expect(page).toHaveURL(/\/login/);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await shot(page, 'release-manager-sign-in');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'notification-service' })).toBeVisible();
  await waitIdle(request, 'notification-service');
  const rounds = [
    { version: '1.2.0', strategy: 'rolling', params: { batchSize: '1' } },
    { version: '1.3.0', strategy: 'blue-green', params: { scaleDownDelaySeconds: '1' } },
    { version: '1.4.0', strategy: 'canary', params: { steps: '50', windowSeconds: '3', minSamples: '1' } },
    { version: '1.5.0', strategy: 'recreate', params: {} },
  ];
  for (const [i, r] of rounds.entries()) {
    await open(page, '/services/notification-service');
    await activate(page.getByTestId('version-open'), page.getByTestId('version-semver'));
    await page.getByTestId('version-semver').fill(r.version);
    await page.getByTestId('version-config').fill('SMTP_HOST=smtp.internal');
    if (i === 0) await shot(page, 'release-manager-register-version');
    await page.getByTestId('version-submit').click();
    await expect(page.getByTestId(`version-${r.version}`)).toBeVisible();

    const dialog = page.getByTestId('deploy-dialog');
    await activate(page.getByTestId('deploy-open'), dialog.getByTestId('deploy-version'));
    await dialog.getByTestId('deploy-version').selectOption(r.version);
    await dialog.getByTestId('deploy-strategy').selectOption(r.strategy);
    for (const [key, value] of Object.entries(r.params)) await dialog.getByTestId(`deploy-param-${key}`).fill(value);
    await dialog.getByTestId('deploy-preview').click();
    await expect(dialog.getByTestId('preflight')).toContainText('preflight ok');
    await expect(dialog.getByTestId('plan-preview')).toContainText(`v${r.version}`);
    await shot(page, `release-manager-preview-${r.strategy}`);
    await dialog.getByTestId('deploy-confirm').click();

    await expect(page).toHaveURL(/\/deployments\/[0-9a-f-]{36}$/);
    await expect(page.getByTestId('deployment-state')).toHaveText('succeeded', { timeout: 120_000 });
    await expect(page.locator('[data-testid="timeline"] li[data-type="deployment_completed"]')).toBeVisible();
    await shot(page, `release-manager-succeeded-${r.strategy}`);
  }
  expect(await routerAnswers(request, 'notification-service', 10)).toEqual({ versions: new Set(['1.5.0']), statuses: new Set([200]) });
  await open(page, '/services/notification-service');
  await expect(page.getByTestId('service-live')).toHaveText('v1.5.0');
  await shot(page, 'release-manager-service');
  const d = await request.get('/api/v1/services/notification-service');
  // The deploy dialog deploys to the environment the page shows: the first, staging.
  const ds = ((await d.json()) as { deployments: Array<{ actor: string; environment: string }> }).deployments.filter((x) => x.environment === 'staging');
  expect(ds.slice(0, 4).map((x) => x.actor)).toEqual(Array(4).fill(email));
  await context.close();
});
