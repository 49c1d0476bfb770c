import { expect, test } from '@playwright/test';
import { api, open, shot, type Deployment, waitDeployment, waitIdle } from './support';

/**
 * The timeline stays in order across a forced socket disconnect: events recorded while the
 * socket was down are caught up from the database — no gap, no duplicate.
 */
test('the timeline has every event once, in order, across a socket disconnect and reconnect', async ({ page, request }) => {
  test.setTimeout(300_000);
  await waitIdle(request, 'auth-service');
  const r = await api<Deployment>(request, 'POST', '/api/v1/services/auth-service/deployments', {
    version: '1.5.0',
    strategy: 'blue-green',
    params: { scaleDownDelaySeconds: 4 },
  });
  const id = r.id;
  await open(page, `/deployments/${id}`);
  await expect(page.getByTestId('feed-status')).toHaveText('live');
  await expect(page.locator('[data-testid="timeline"] li').first()).toBeVisible();

  await page.evaluate(() => (window as unknown as { __flightdeckSocket: { disconnect(): void } }).__flightdeckSocket.disconnect());
  await expect(page.getByTestId('feed-status')).toHaveText('reconnecting…');
  const shown = await page.locator('[data-testid="timeline"] li').count();
  // Let the deployment record events the page cannot hear.
  await expect
    .poll(async () => (await api<Deployment>(request, 'GET', `/api/v1/deployments/${id}`)).lastSeq, { timeout: 60_000, intervals: [250] })
    .toBeGreaterThanOrEqual(shown + 2);
  await shot(page, 'timeline-disconnected');
  await page.evaluate(() => (window as unknown as { __flightdeckSocket: { connect(): void } }).__flightdeckSocket.connect());
  await expect(page.getByTestId('feed-status')).toHaveText('live');

  const done = await waitDeployment(request, id, ['succeeded', 'failed', 'aborted']);
  expect(done.state).toBe('succeeded');
  const rows = page.locator('[data-testid="timeline"] li');
  await expect(rows).toHaveCount(done.lastSeq);
  const seqs = (await rows.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-seq')))));
  expect(seqs).toEqual(Array.from({ length: done.lastSeq }, (_, i) => i + 1));
  await shot(page, 'timeline-reconnected');
});
