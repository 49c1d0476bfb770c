import { expect, test } from '@playwright/test';
import { activate, api, open, shot, waitDeployment, waitIdle, waitSeedDone } from './support';

/**
 * Environments: a release manager promotes a version from staging to the protected production,
 * an approver (someone else) approves it from the approvals inbox, a freeze window then refuses
 * the next deploy in production — and a rollback during the freeze goes through.
 */
test('promote staging → production, an approver approves, a freeze refuses, a rollback during the freeze succeeds', async ({ page, request, browser }) => {
  test.setTimeout(600_000);
  await waitSeedDone(request);
  await waitIdle(request, 'auth-service');
  const envs = await api<{ environments: Array<{ name: string; protected: boolean }> }>(request, 'GET', '/api/v1/environments');
  expect(envs.environments.map((e) => [e.name, e.protected])).toEqual([
    ['staging', false],
    ['production', true],
  ]);

  // auth-service v1.5.0 goes to staging first (no environment named: the first one) — unless an
  // earlier spec (the release and its rollback) left it live there already.
  const before = await api<{ liveVersion: string | null }>(request, 'GET', '/api/v1/services/auth-service?environment=staging');
  if (before.liveVersion !== '1.5.0') {
    const staged = await api<{ id: string; environment: string }>(request, 'POST', '/api/v1/services/auth-service/deployments', { version: '1.5.0', strategy: 'rolling' });
    expect(staged.environment).toBe('staging');
    await waitDeployment(request, staged.id, ['succeeded']);
  }

  // The overview is a matrix: staging has 1.5.0, production still 1.4.0.
  await open(page, '/');
  await expect(page.getByTestId('live-auth-service-staging')).toHaveText('v1.5.0');
  await expect(page.getByTestId('live-auth-service-production')).toHaveText('v1.4.0');
  await shot(page, 'environments-overview');

  // The release manager promotes it from the service page in production: the gates are shown first.
  await open(page, '/services/auth-service?environment=production');
  await expect(page.getByTestId('environment-tabs')).toContainText('staging v1.5.0');
  const dialog = page.getByTestId('promote-dialog');
  await activate(page.getByTestId('promote-auth-service-production'), dialog.getByTestId('gates'));
  await expect(dialog.getByTestId('gate-promotion')).toContainText('met');
  await expect(dialog.getByTestId('gate-approval')).toContainText('will wait');
  await shot(page, 'environments-promote-gates');
  await dialog.getByTestId('promote-confirm').click();
  await expect(page).toHaveURL(/\/deployments\/[0-9a-f-]{36}$/);
  const id = page.url().split('/').at(-1)!;
  await expect(page.getByTestId('deployment-state')).toHaveText('awaiting approval');

  // An approver — not the requester — approves it from the inbox.
  expect((await request.post('/api/v1/users', { data: { email: 'e2e-approver@flightdeck.test', password: 'e2e-approver-password', role: 'approver' } })).status()).toBe(201);
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const approver = await context.newPage();
  await open(approver, '/login');
  await approver.getByLabel('Email').fill('e2e-approver@flightdeck.test');
  await approver.getByLabel('Password').fill('e2e-approver-password');
  await approver.getByRole('button', { name: 'Sign in' }).click();
  await expect(approver.getByRole('heading', { name: 'Services' })).toBeVisible();
  await open(approver, '/approvals');
  const card = approver.getByTestId(`approval-${id}`);
  await expect(card).toContainText('auth-service: v1.4.0 → v1.5.0 in production');
  await shot(approver, 'environments-approvals-inbox');
  await approver.getByTestId(`approve-${id}`).click();
  await expect(approver.getByText('Nothing is waiting for approval.')).toBeVisible();
  await context.close();
  await waitDeployment(request, id, ['succeeded']);
  const events = await api<{ events: Array<{ type: string }> }>(request, 'GET', `/api/v1/deployments/${id}/events`);
  expect(events.events.map((e) => e.type).slice(0, 4)).toEqual(['deployment_queued', 'awaiting_approval', 'approved', 'deployment_started']);

  // A freeze window over production refuses the next deploy there, named, with its end.
  const now = Date.now();
  const win = await api<{ id: string }>(request, 'POST', '/api/v1/freeze-windows', {
    reason: 'e2e change freeze',
    startsAt: new Date(now - 60_000).toISOString(),
    endsAt: new Date(now + 3_600_000).toISOString(),
    environments: ['production'],
  });
  // (force: the release rollback in an earlier spec may have marked v1.4.0 bad; the freeze must refuse regardless.)
  const refused = await request.post('/api/v1/services/auth-service/deployments', { data: { version: '1.4.0', environment: 'production', strategy: 'rolling', force: true } });
  expect(refused.status()).toBe(409);
  // The freeze gate is named (with a bad v1.4.0 the promotion gate refuses too, and is named first).
  expect((await refused.json()).error.message).toMatch(/freeze gate: frozen until .*: e2e change freeze/);
  await open(page, '/');
  await expect(page.getByTestId('freeze-banner')).toContainText('Deploys frozen in production');
  await shot(page, 'environments-freeze-banner');

  // …but a rollback during the freeze goes through: production returns to the previous good
  // version — v1.4.0, or an older one if an earlier spec's rollback marked v1.4.0 bad.
  const { target } = await api<{ target: string }>(request, 'POST', '/api/v1/services/auth-service/rollback', { environment: 'production', dryRun: true });
  expect(['1.4.0', '1.3.23']).toContain(target);
  const cellDialog = page.getByTestId('cell-auth-service-production').getByTestId('rollback-dialog');
  await activate(page.getByTestId('rollback-auth-service-production'), cellDialog.getByTestId('rollback-plan'));
  await expect(cellDialog.getByTestId('rollback-plan')).toContainText(`v${target}`);
  await cellDialog.getByTestId('rollback-confirm').click();
  await expect(page).toHaveURL(/\/deployments\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId('deployment-state')).toHaveText('succeeded', { timeout: 120_000 });
  const prod = await api<{ liveVersion: string }>(request, 'GET', '/api/v1/services/auth-service?environment=production');
  expect(prod.liveVersion).toBe(target);
  expect((await request.delete(`/api/v1/freeze-windows/${win.id}`)).status()).toBe(200);
});
