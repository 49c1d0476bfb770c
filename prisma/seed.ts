/**
 * The demo a newcomer sees on `npm start`: two environments (staging, then a protected
 * production), services with dependencies and several versions, made live through real
 * deployments (so history and runtime agree) — first in staging, then promoted to production —
 * and a canary of payment-gateway v2.3.0 in staging — which errors on 5 % of requests — that the
 * analysis aborts and marks bad before it ever reaches production. Before all that, about three
 * months of older versions and their deployments (seed-past.ts), so Insights shows trends.
 */
import type { Db } from '../lib/db/client';
import {
  createDeployment,
  createEnvironment,
  createRelease,
  createService,
  createVersion,
  getDeployment,
  getRelease,
  updateEnvironment,
  type ServiceContext,
} from '../lib/services';
import { seedPast } from './seed-past';

/** Where the demo deploys first, and where it promotes to. */
export const DEMO_ENVIRONMENTS = { first: 'staging', then: 'production' } as const;

const ACTOR = 'demo-seed';
// Every demo service is the bundled demo service; each version's config sets its behaviour.
const template = { command: 'node', args: ['lib/runtime/demo/service.mjs'], env: {} };

const SERVICES = [
  { name: 'auth-service', replicas: 2, versions: ['1.4.0', '1.5.0'] },
  { name: 'api-gateway', replicas: 2, dependencies: ['auth-service'], versions: ['3.0.0', '3.1.0'] },
  {
    name: 'payment-gateway',
    replicas: 3,
    requiredConfigKeys: ['PAYMENT_PROVIDER_URL'],
    defaultStrategy: 'canary',
    strategyParams: { steps: [10, 50, 100], windowSeconds: 60, minSamples: 50 },
    versions: [
      { version: '2.1.0', config: { PAYMENT_PROVIDER_URL: 'http://127.0.0.1:9/pay' } },
      { version: '2.2.0', config: { PAYMENT_PROVIDER_URL: 'http://127.0.0.1:9/pay' } },
      { version: '2.3.0', config: { PAYMENT_PROVIDER_URL: 'http://127.0.0.1:9/pay', DEMO_ERROR_RATE: '0.05' }, notes: 'new retry logic' },
    ],
  },
  { name: 'inventory-service', replicas: 3, versions: ['1.0.0', '1.1.0'] },
  { name: 'analytics-pipeline', replicas: 1, versions: [{ version: '0.9.0', config: { DEMO_WARMUP_SECONDS: '45' } }] },
  {
    name: 'notification-service',
    replicas: 2,
    requiredConfigKeys: ['SMTP_HOST'],
    versions: [
      { version: '1.0.0', config: { SMTP_HOST: 'smtp.internal' } },
      { version: '1.1.0', config: {}, notes: 'config file left out of the package: SMTP_HOST is missing' },
    ],
  },
] as const;

/**
 * Requests per second the demo sends to each service's router (lib/runtime/demo/traffic.ts):
 * enough on payment-gateway for canary analysis to judge v2.3.0 within its window.
 */
export const DEMO_TRAFFIC: Record<string, number> = {
  'payment-gateway': 50,
  'auth-service': 5,
  'api-gateway': 5,
  'inventory-service': 5,
  'analytics-pipeline': 2,
  'notification-service': 2,
};

/** True when this database holds the demo (its services were registered by the seed). */
export async function hasDemo(db: Db): Promise<boolean> {
  return (await db.service.count({ where: { createdBy: ACTOR } })) > 0;
}

export async function isEmpty(db: Db): Promise<boolean> {
  return (await db.service.count()) === 0;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('demo seed: timed out waiting for a deployment');
}

/** Register the demo's environments, services and versions (fast). */
export async function seedCatalog(ctx: ServiceContext): Promise<void> {
  // The migration made "production" (order 0); staging goes before it.
  await updateEnvironment(ctx.db, 'production', { order: 20, description: 'What customers use. Protected once the demo history is in place.' }, ACTOR);
  await createEnvironment(ctx.db, { name: 'staging', order: 10, description: 'Every version goes here first.', soakMinutes: 0 }, ACTOR);
  for (const s of SERVICES) {
    const { versions, ...rest } = s;
    await createService(ctx.db, { ...rest, template, health: { intervalSeconds: 2, gracePeriodSeconds: 60 } }, ACTOR);
    for (const v of versions) await createVersion(ctx.db, s.name, typeof v === 'string' ? { version: v } : v, ACTOR);
  }
  // Three months of backdated history before today's, for the Insights page's trends.
  await seedPast(ctx.db, Date.now());
}

/**
 * Make the first versions live through a release in staging, promote them to production, move
 * payment-gateway to v2.2.0 in both, then send v2.3.0 out as a canary in staging. Production is
 * protected (one approval) once its history is in place.
 */
export async function seedHistory(ctx: ServiceContext, log: (m: string) => void): Promise<void> {
  const items = SERVICES.map((s) => ({ service: s.name, version: typeof s.versions[0] === 'string' ? s.versions[0] : s.versions[0].version }));
  for (const environment of [DEMO_ENVIRONMENTS.first, DEMO_ENVIRONMENTS.then]) {
    const release = await createRelease(ctx, { items, strategy: 'rolling', environment }, ACTOR);
    log(`demo: release ${release.id} deploys the first version of every service to ${environment}, in dependency order`);
    await waitFor(async () => (await getRelease(ctx.db, release.id)).state !== 'running', 10 * 60_000);
  }
  const deploy = async (version: string, environment: string, strategy?: string) => {
    const r = await createDeployment(ctx, 'payment-gateway', { version, strategy, environment }, ACTOR);
    if (r.dryRun) return;
    await waitFor(async () => ['succeeded', 'failed', 'aborted'].includes((await getDeployment(ctx.db, r.deployment.id)).state), 10 * 60_000);
  };
  await deploy('2.2.0', DEMO_ENVIRONMENTS.first, 'rolling');
  await deploy('2.2.0', DEMO_ENVIRONMENTS.then, 'rolling');
  await updateEnvironment(ctx.db, DEMO_ENVIRONMENTS.then, { protected: true, requiredApprovals: 1 }, ACTOR);
  log('demo: payment-gateway v2.3.0 goes out to staging as a canary; its 5 % errors should abort it');
  await deploy('2.3.0', DEMO_ENVIRONMENTS.first);
  log('demo: seeded');
}
