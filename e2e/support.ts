import { expect, type APIRequestContext, type Locator, type Page } from '@playwright/test';

export type Deployment = { id: string; state: string; lastSeq: number; to: string; from: string | null };

/** Navigate and wait until the page is interactive (React has attached its handlers). */
export async function open(page: Page, url: string) {
  await page.goto(url);
  await page.locator('html[data-hydrated="true"]').waitFor({ state: 'attached' });
}

/**
 * Click (or press Enter on) `trigger` until `shows` is visible. A page streams in after its
 * shell, and a button that is server-rendered but not yet hydrated ignores the first click:
 * retrying until the effect is seen waits for exactly that, with no fixed sleep.
 */
export async function activate(trigger: Locator, shows: Locator, how: 'click' | 'Enter' = 'click') {
  await expect(async () => {
    if (await shows.isVisible()) return; // an earlier try worked, just late
    if (how === 'click') await trigger.click({ timeout: 2000 });
    else await trigger.press('Enter', { timeout: 2000 });
    await expect(shows).toBeVisible({ timeout: 1500 });
  }).toPass({ timeout: 30_000 });
}

export async function shot(page: Page, name: string, fullPage = true) {
  // From the top: a full-page capture otherwise paints the sticky header over the middle.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage });
}

export async function api<T>(request: APIRequestContext, method: 'GET' | 'POST', path: string, data?: unknown): Promise<T> {
  const res = method === 'GET' ? await request.get(path) : await request.post(path, { data: data ?? {} });
  const body = await res.json();
  if (!res.ok()) throw new Error(`${method} ${path} → ${res.status()}: ${JSON.stringify(body)}`);
  return body as T;
}

/** The demo seed plays payment-gateway's history last (v2.1.0 → v2.2.0 → the v2.3.0 canary): waits until that canary has ended. */
export async function waitSeedDone(request: APIRequestContext, timeout = 360_000) {
  await expect
    .poll(async () => {
      const s = await api<{ deployments: Array<{ to: string; strategy: string; state: string }> }>(request, 'GET', '/api/v1/services/payment-gateway');
      return s.deployments.some((d) => d.to === '2.3.0' && d.strategy === 'canary' && ['succeeded', 'failed', 'aborted'].includes(d.state));
    }, { timeout, intervals: [2000] })
    .toBe(true);
}

/** Waits until the service has no deployment in flight (the demo seed may still be running one). */
export async function waitIdle(request: APIRequestContext, service: string, timeout = 240_000) {
  await expect
    .poll(async () => {
      const s = await api<{ deployments: Array<{ state: string }> }>(request, 'GET', `/api/v1/services/${service}`);
      return s.deployments.some((d) => ['queued', 'running', 'paused'].includes(d.state));
    }, { timeout, intervals: [1000] })
    .toBe(false);
}

export async function waitDeployment(request: APIRequestContext, id: string, states: string[], timeout = 180_000): Promise<Deployment> {
  let d: Deployment | null = null;
  await expect
    .poll(async () => {
      d = await api<Deployment>(request, 'GET', `/api/v1/deployments/${id}`);
      return states.includes(d.state);
    }, { timeout, intervals: [500] })
    .toBe(true);
  return d!;
}

/** What the service's router answers to `n` requests: the version in each body (errors carry it too) and the status. */
export async function routerAnswers(request: APIRequestContext, service: string, n = 20): Promise<{ versions: Set<string>; statuses: Set<number> }> {
  const { address } = await api<{ address: string }>(request, 'GET', `/api/v1/services/${service}`);
  const versions = new Set<string>();
  const statuses = new Set<number>();
  for (let i = 0; i < n; i++) {
    const res = await request.get(`${address}/hello`);
    statuses.add(res.status());
    versions.add(((await res.json().catch(() => ({}))) as { version?: string }).version ?? 'no version');
  }
  return { versions, statuses };
}

/** A phone the on-call responder carries: the viewport every phone layout is checked at. */
export const PHONE = { width: 390, height: 844 };

/** The page scrolls only vertically: nothing is wider than the screen. */
export async function expectNoSideScroll(page: Page) {
  const widths = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, view: window.innerWidth }));
  expect(widths.doc, `page is ${widths.doc}px wide on a ${widths.view}px screen`).toBeLessThanOrEqual(widths.view);
}
