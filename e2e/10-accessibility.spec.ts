import { expect, test } from '@playwright/test';
import { expectAccessible } from './axe';
import { activate, api, open, waitSeedDone } from './support';

/**
 * Every page passes axe-core with no serious or critical violation (contrast included), in the
 * light and the dark scheme; the keyboard focus is visible; after a preview the focus is on the
 * confirm button; each tab is titled after its page; an unknown service or deployment shows the
 * 404 page; and a page load does not start a flood of link prefetches.
 */
test('every page passes axe, light and dark', async ({ page, request, browser }) => {
  test.setTimeout(900_000);
  await waitSeedDone(request);
  const s = await api<{ deployments: Array<{ id: string; to: string; strategy: string }> }>(request, 'GET', '/api/v1/services/payment-gateway');
  const canary = s.deployments.find((d) => d.to === '2.3.0' && d.strategy === 'canary')!;
  const releases = await api<{ releases: Array<{ id: string }> }>(request, 'GET', '/api/v1/releases');
  const pages = [
    '/',
    '/changes',
    '/releases',
    `/releases/${releases.releases[0]!.id}`,
    '/approvals',
    '/insights',
    '/insights?days=90&service=payment-gateway',
    '/services/payment-gateway',
    '/services/payment-gateway?environment=production&range=24h',
    `/deployments/${canary.id}`,
    '/admin/users',
    '/admin/tokens',
    '/admin/environments',
    '/admin/hosts',
    '/admin/freeze-windows',
    '/admin/audit',
    '/services/no-such-service',
  ];
  // Every page in the light scheme; the busiest pages in the dark one too.
  const dark = ['/', '/insights', '/services/payment-gateway', `/deployments/${canary.id}`, '/admin/freeze-windows'];
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const url of scheme === 'light' ? pages : dark) {
      await open(page, url);
      await expect(page.locator('main h1').first()).toBeVisible();
      await expectAccessible(page, `${url} (${scheme})`);
    }
  }
  // Dialogs and disclosures, open.
  await page.emulateMedia({ colorScheme: 'light' });
  await open(page, `/deployments/${canary.id}`);
  await page.getByTestId('canary-stats').locator('summary').click();
  await expectAccessible(page, 'deployment with statistics open');
  await open(page, '/');
  const dialog = page.getByTestId('cell-payment-gateway-staging').getByTestId('rollback-dialog');
  await activate(page.getByTestId('rollback-payment-gateway-staging'), dialog.getByTestId('rollback-plan'));
  await expectAccessible(page, 'rollback dialog');
  // Signed out: the sign-in page.
  const anonymous = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const login = await anonymous.newPage();
  await login.goto('/login');
  await expectAccessible(login, '/login');
  await anonymous.close();
});

test('the focus is visible, and moves to the confirm button after a preview', async ({ page }) => {
  await open(page, '/services/inventory-service');
  await page.keyboard.press('Tab');
  const focused = page.locator(':focus');
  await expect(focused).toHaveCount(1);
  const outline = await focused.evaluate((el) => getComputedStyle(el));
  expect(outline.outlineStyle).toBe('solid');
  expect(parseFloat(outline.outlineWidth)).toBeGreaterThanOrEqual(2);

  const deploy = page.getByTestId('deploy-dialog');
  await activate(page.getByTestId('deploy-open'), deploy.getByTestId('deploy-version'));
  await deploy.getByTestId('deploy-preview').click();
  await expect(deploy.getByTestId('plan-preview')).toBeVisible();
  await expect(deploy.getByTestId('deploy-confirm')).toBeFocused();
  await expect(deploy.getByTestId('deploy-confirm')).toHaveText(/^Deploy v1\.1\.0 to staging \(rolling\)$/);
  await page.keyboard.press('Escape');
});

test('tabs are titled after their page; unknown services and deployments show the 404 page', async ({ page, request }) => {
  await open(page, '/services/payment-gateway?environment=production');
  await expect(page).toHaveTitle('payment-gateway in production · Flightdeck');
  await expect(page.getByRole('navigation', { name: 'Breadcrumb' })).toContainText('Overview / payment-gateway');
  await open(page, '/insights');
  await expect(page).toHaveTitle('Insights · Flightdeck');
  const s = await api<{ deployments: Array<{ id: string; kind: string; strategy: string; from: string | null; to: string; environment: string }> }>(request, 'GET', '/api/v1/services/auth-service');
  const d = s.deployments[0]!;
  await open(page, `/deployments/${d.id}`);
  await expect(page).toHaveTitle(new RegExp(` · auth-service in ${d.environment} · Flightdeck$`));
  for (const url of ['/services/no-such-service', '/deployments/00000000-0000-0000-0000-000000000000', '/deployments/not-a-uuid']) {
    await page.goto(url);
    await expect(page.getByTestId('not-found')).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Not found' })).toBeVisible();
    await expect(page).toHaveTitle('Not found · Flightdeck');
  }
});

test('a page load prefetches only the main navigation, not every link on the page', async ({ page }) => {
  const prefetches: string[] = [];
  page.on('request', (r) => {
    if (r.headers()['next-router-prefetch'] || /[?&]_rsc=/.test(r.url())) prefetches.push(r.url());
  });
  await open(page, '/changes');
  await expect(page.getByTestId('change-list')).toBeVisible();
  await page.waitForLoadState('networkidle');
  // Only the main navigation's pages are prefetched — none of the page's ~200 list links.
  const paths = new Set(prefetches.map((u) => new URL(u).pathname));
  expect([...paths].filter((p) => !['/', '/changes', '/releases', '/approvals', '/insights', '/admin/users'].includes(p)), prefetches.join('\n')).toEqual([]);
  expect(await page.locator('a[href^="/deployments/"], a[href^="/services/"]').count()).toBeGreaterThan(20);
});

test('at 1440×900 the timeline of a deployment is above the fold', async ({ page, request }) => {
  test.setTimeout(420_000);
  await waitSeedDone(request);
  const s = await api<{ deployments: Array<{ id: string; to: string; strategy: string }> }>(request, 'GET', '/api/v1/services/payment-gateway');
  const canary = s.deployments.find((d) => d.to === '2.3.0' && d.strategy === 'canary')!;
  await page.setViewportSize({ width: 1440, height: 900 });
  await open(page, `/deployments/${canary.id}`);
  await expect(page.locator('[data-testid="timeline"] li').first()).toBeVisible();
  const box = (await page.getByTestId('timeline-section').boundingBox())!;
  expect(box.y + 200).toBeLessThan(900);
  await page.screenshot({ path: 'test-results/screenshots/deployment-1440x900.png' });
});
