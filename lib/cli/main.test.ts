/**
 * The CLI's outcomes without a server: a fake fetch answers as the API would. Each outcome is
 * an exit status and exactly one line — a timeout included, which once escaped as an
 * uncaught error with a stack trace.
 */
import { describe, expect, it } from 'vitest';
import { run } from './main';

const ID = '11111111-1111-1111-1111-111111111111';

function fakeIo(deployment: { state: string; phase: string; reason?: string | null }, events: Array<{ seq: number; type: string; message: string }> = []) {
  const out: string[] = [];
  const err: string[] = [];
  const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  const fetch = (async (url: string, init?: RequestInit) => {
    const path = new URL(url).pathname;
    if (init?.method === 'POST' && path.endsWith('/deployments')) return json({ id: ID, service: 'checkout', from: '1.0.0', to: '1.1.0', strategy: 'canary', state: 'queued' }, 202);
    if (path.endsWith('/events')) return json({ events: events.map((e) => ({ ...e, at: '2026-12-01T10:00:00.000Z' })) });
    if (path.endsWith(`/deployments/${ID}`)) return json({ id: ID, reason: null, ...deployment });
    return json({ error: { code: 'not_found', message: 'no', details: {} } }, 404);
  }) as typeof globalThis.fetch;
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), env: { FLIGHTDECK_TOKEN: 'fdt_x', FLIGHTDECK_URL: 'http://fd.test' }, fetch, sleep: () => new Promise<void>((r) => setTimeout(r, 5)) } };
}

const deploy = ['deploy', '--service', 'checkout', '--version', '1.1.0', '--wait'];

describe('flightdeck CLI outcomes', () => {
  it('--timeout reached: exit 3 and one line naming the phase', async () => {
    const f = fakeIo({ state: 'running', phase: 'analysis step 1' });
    expect(await run([...deploy, '--timeout', '0.2'], f.io)).toBe(3);
    expect(f.err).toEqual([`flightdeck: gave up waiting after 0.2 s; deployment ${ID} is still running (analysis step 1)`]);
  });

  it('paused for a person: exit 3 at once with the reason; --wait-through-pauses waits on', async () => {
    const events = [{ seq: 1, type: 'analysis_inconclusive', message: 'Analysis inconclusive, paused for a person: too few samples' }];
    const f = fakeIo({ state: 'paused', phase: 'inconclusive: waiting for a person' }, events);
    expect(await run([...deploy, '--timeout', '3600'], f.io)).toBe(3);
    expect(f.err).toEqual([`flightdeck: deployment ${ID} is paused (inconclusive: waiting for a person): Analysis inconclusive, paused for a person: too few samples; it waits for a person (--wait-through-pauses waits on)`]);
    const g = fakeIo({ state: 'paused', phase: 'inconclusive: waiting for a person' }, events);
    expect(await run([...deploy, '--wait-through-pauses', '--timeout', '0.2'], g.io)).toBe(3);
    expect(g.err).toEqual([`flightdeck: gave up waiting after 0.2 s; deployment ${ID} is still running (inconclusive: waiting for a person)`]);
    const a = fakeIo({ state: 'awaiting_approval', phase: 'awaiting approval' }, [{ seq: 1, type: 'awaiting_approval', message: 'Waiting for 1 approval' }]);
    expect(await run([...deploy, '--timeout', '3600'], a.io)).toBe(3);
    expect(a.err).toEqual([`flightdeck: deployment ${ID} is awaiting approval: Waiting for 1 approval; it waits for a person (--wait-through-pauses waits on)`]);
  });

  it('the end of the deployment decides: succeeded 0, failed 1, each one line on stdout', async () => {
    const ok = fakeIo({ state: 'succeeded', phase: 'done' });
    expect(await run(deploy, ok.io)).toBe(0);
    expect(ok.out.at(-1)).toBe(`deployment ${ID} succeeded`);
    const failed = fakeIo({ state: 'failed', phase: 'reverted', reason: 'canary analysis failed:\nerror rate' });
    expect(await run(deploy, failed.io)).toBe(1);
    expect(failed.out.at(-1)).toBe(`deployment ${ID} failed: canary analysis failed: error rate`);
    expect(failed.err).toEqual([]);
  });
});
