/**
 * Every REST route file, with the role each method needs and a call that passes validation:
 * the table the access-control tests, the fuzz tests and the test API server share. A new
 * route must be added here (a test fails until it is).
 */
import * as services from '@/app/api/v1/services/route';
import * as service from '@/app/api/v1/services/[name]/route';
import * as versions from '@/app/api/v1/services/[name]/versions/route';
import * as deployments from '@/app/api/v1/services/[name]/deployments/route';
import * as rollback from '@/app/api/v1/services/[name]/rollback/route';
import * as deployment from '@/app/api/v1/deployments/[id]/route';
import * as events from '@/app/api/v1/deployments/[id]/events/route';
import * as action from '@/app/api/v1/deployments/[id]/[action]/route';
import * as releases from '@/app/api/v1/releases/route';
import * as release from '@/app/api/v1/releases/[id]/route';
import * as users from '@/app/api/v1/users/route';
import * as user from '@/app/api/v1/users/[id]/route';
import * as tokens from '@/app/api/v1/tokens/route';
import * as token from '@/app/api/v1/tokens/[id]/route';
import * as auditRoute from '@/app/api/v1/audit/route';
import * as me from '@/app/api/v1/auth/me/route';
import * as logoutRoute from '@/app/api/v1/auth/logout/route';
import * as loginRoute from '@/app/api/v1/auth/login/route';
import * as openapi from '@/app/api/v1/openapi.json/route';
import * as metrics from '@/app/metrics/route';
import * as health from '@/app/api/health/route';
import * as analysis from '@/app/api/v1/deployments/[id]/analysis/route';
import * as errorBudget from '@/app/api/v1/services/[name]/error-budget/route';
import * as instances from '@/app/api/v1/services/[name]/instances/route';
import * as overview from '@/app/api/v1/overview/route';
import * as changes from '@/app/api/v1/changes/route';
import * as leaseBreak from '@/app/api/v1/services/[name]/lease/break/route';
import * as environments from '@/app/api/v1/environments/route';
import * as environmentRoute from '@/app/api/v1/environments/[name]/route';
import * as freezeWindows from '@/app/api/v1/freeze-windows/route';
import * as freezeWindow from '@/app/api/v1/freeze-windows/[id]/route';
import * as promote from '@/app/api/v1/services/[name]/promote/route';
import * as approve from '@/app/api/v1/deployments/[id]/approve/route';
import * as reject from '@/app/api/v1/deployments/[id]/reject/route';
import * as approvals from '@/app/api/v1/approvals/route';
import * as hosts from '@/app/api/v1/hosts/route';
import * as hostRoute from '@/app/api/v1/hosts/[name]/route';
import * as releaseRollback from '@/app/api/v1/releases/[id]/rollback/route';
import * as subscriptions from '@/app/api/v1/notifications/subscriptions/route';
import * as subscription from '@/app/api/v1/notifications/subscriptions/[id]/route';
import * as deploymentNotifications from '@/app/api/v1/deployments/[id]/notifications/route';
import * as rollbackWindows from '@/app/api/v1/rollback-windows/route';
import * as insights from '@/app/api/v1/insights/route';
import type { Role } from '../auth/roles';
import { createApiToken, createUser, revokeApiToken } from '../auth/users';
import type { Db } from '../db/client';
import { createDeployment, createRelease, createService, createVersion } from '../services';
import { createTestToken } from './auth';

export type RouteHandler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
export type RouteModule = Partial<Record<'GET' | 'POST' | 'PATCH' | 'DELETE', RouteHandler>>;

/** Every route file under app/, by its path there. */
export const ROUTE_MODULES: Record<string, RouteModule> = {
  'api/v1/services/route.ts': services as unknown as RouteModule,
  'api/v1/services/[name]/route.ts': service as unknown as RouteModule,
  'api/v1/services/[name]/versions/route.ts': versions as unknown as RouteModule,
  'api/v1/services/[name]/deployments/route.ts': deployments as unknown as RouteModule,
  'api/v1/services/[name]/rollback/route.ts': rollback as unknown as RouteModule,
  'api/v1/deployments/[id]/route.ts': deployment as unknown as RouteModule,
  'api/v1/deployments/[id]/events/route.ts': events as unknown as RouteModule,
  'api/v1/deployments/[id]/[action]/route.ts': action as unknown as RouteModule,
  'api/v1/releases/route.ts': releases as unknown as RouteModule,
  'api/v1/releases/[id]/route.ts': release as unknown as RouteModule,
  'api/v1/users/route.ts': users as unknown as RouteModule,
  'api/v1/users/[id]/route.ts': user as unknown as RouteModule,
  'api/v1/tokens/route.ts': tokens as unknown as RouteModule,
  'api/v1/tokens/[id]/route.ts': token as unknown as RouteModule,
  'api/v1/audit/route.ts': auditRoute as unknown as RouteModule,
  'api/v1/auth/me/route.ts': me as unknown as RouteModule,
  'api/v1/auth/logout/route.ts': logoutRoute as unknown as RouteModule,
  'api/v1/auth/login/route.ts': loginRoute as unknown as RouteModule,
  'api/v1/openapi.json/route.ts': openapi as unknown as RouteModule,
  'metrics/route.ts': metrics as unknown as RouteModule,
  'api/v1/deployments/[id]/analysis/route.ts': analysis as unknown as RouteModule,
  'api/v1/services/[name]/error-budget/route.ts': errorBudget as unknown as RouteModule,
  'api/v1/services/[name]/instances/route.ts': instances as unknown as RouteModule,
  'api/v1/overview/route.ts': overview as unknown as RouteModule,
  'api/v1/changes/route.ts': changes as unknown as RouteModule,
  'api/v1/services/[name]/lease/break/route.ts': leaseBreak as unknown as RouteModule,
  'api/v1/environments/route.ts': environments as unknown as RouteModule,
  'api/v1/environments/[name]/route.ts': environmentRoute as unknown as RouteModule,
  'api/v1/freeze-windows/route.ts': freezeWindows as unknown as RouteModule,
  'api/v1/freeze-windows/[id]/route.ts': freezeWindow as unknown as RouteModule,
  'api/v1/services/[name]/promote/route.ts': promote as unknown as RouteModule,
  'api/v1/deployments/[id]/approve/route.ts': approve as unknown as RouteModule,
  'api/v1/deployments/[id]/reject/route.ts': reject as unknown as RouteModule,
  'api/v1/approvals/route.ts': approvals as unknown as RouteModule,
  'api/v1/hosts/route.ts': hosts as unknown as RouteModule,
  'api/v1/hosts/[name]/route.ts': hostRoute as unknown as RouteModule,
  'api/v1/releases/[id]/rollback/route.ts': releaseRollback as unknown as RouteModule,
  'api/v1/notifications/subscriptions/route.ts': subscriptions as unknown as RouteModule,
  'api/v1/notifications/subscriptions/[id]/route.ts': subscription as unknown as RouteModule,
  'api/v1/deployments/[id]/notifications/route.ts': deploymentNotifications as unknown as RouteModule,
  'api/v1/rollback-windows/route.ts': rollbackWindows as unknown as RouteModule,
  'api/v1/insights/route.ts': insights as unknown as RouteModule,
  'api/health/route.ts': health as unknown as RouteModule,
};

export interface Route {
  /** The file under app/ that serves it, e.g. "api/v1/services/[name]/route.ts". */
  file: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  h: RouteHandler;
  params: () => Record<string, string>;
  /** The least role that may call it. */
  role: Role;
  /** A body that passes validation (for role checks: refused before it matters). */
  body?: () => unknown;
  /** Service the call acts on, for scope checks. */
  service?: string;
}

/** Rows the table's calls refer to, created by the test that uses it. */
export interface RouteIds {
  deployment: string;
  release: string;
  /** A release of service beta (the one a scoped deployer may roll back); `release` when absent. */
  betaRelease?: string;
  user: string;
  token: string;
}

/** Routes anyone may call, on purpose. */
export const PUBLIC_ROUTES = ['api/health/route.ts', 'api/v1/auth/login/route.ts'];

/** The table, for these rows (services "alpha" and "beta" with version 1.0.0 must exist). */
export function routeTable(ids: RouteIds): Route[] {
  const R = (file: string, method: Route['method'], h: unknown, role: Role, rest: Partial<Route> = {}): Route => ({ file, method, h: h as RouteHandler, role, params: () => ({}), ...rest });
  return [
    R('api/v1/services/route.ts', 'GET', services.GET, 'viewer'),
    R('api/v1/services/route.ts', 'POST', services.POST, 'admin', { body: () => ({ name: 'gamma', template: { command: 'x' } }) }),
    R('api/v1/services/[name]/route.ts', 'GET', service.GET, 'viewer', { params: () => ({ name: 'alpha' }) }),
    R('api/v1/services/[name]/route.ts', 'PATCH', service.PATCH, 'admin', { params: () => ({ name: 'alpha' }), body: () => ({ replicas: 2 }), service: 'alpha' }),
    R('api/v1/services/[name]/versions/route.ts', 'GET', versions.GET, 'viewer', { params: () => ({ name: 'alpha' }) }),
    R('api/v1/services/[name]/versions/route.ts', 'POST', versions.POST, 'deployer', { params: () => ({ name: 'beta' }), body: () => ({ version: '9.0.0' }), service: 'beta' }),
    R('api/v1/services/[name]/deployments/route.ts', 'POST', deployments.POST, 'deployer', { params: () => ({ name: 'beta' }), body: () => ({ version: '1.0.0' }), service: 'beta' }),
    R('api/v1/services/[name]/rollback/route.ts', 'POST', rollback.POST, 'deployer', { params: () => ({ name: 'beta' }), body: () => ({ dryRun: true }), service: 'beta' }),
    R('api/v1/deployments/[id]/route.ts', 'GET', deployment.GET, 'viewer', { params: () => ({ id: ids.deployment }) }),
    R('api/v1/deployments/[id]/events/route.ts', 'GET', events.GET, 'viewer', { params: () => ({ id: ids.deployment }) }),
    R('api/v1/deployments/[id]/[action]/route.ts', 'POST', action.POST, 'deployer', { params: () => ({ id: ids.deployment, action: 'abort' }), body: () => ({}), service: 'beta' }),
    R('api/v1/releases/route.ts', 'POST', releases.POST, 'deployer', { body: () => ({ items: [{ service: 'beta', version: '1.0.0' }] }), service: 'beta' }),
    R('api/v1/releases/[id]/route.ts', 'GET', release.GET, 'viewer', { params: () => ({ id: ids.release }) }),
    R('api/v1/users/route.ts', 'GET', users.GET, 'admin'),
    R('api/v1/users/route.ts', 'POST', users.POST, 'admin', { body: () => ({ email: 'new@example.com', password: 'correct horse battery' }) }),
    R('api/v1/users/[id]/route.ts', 'PATCH', user.PATCH, 'admin', { params: () => ({ id: ids.user }), body: () => ({ name: 'Bob' }) }),
    R('api/v1/tokens/route.ts', 'GET', tokens.GET, 'admin'),
    R('api/v1/tokens/route.ts', 'POST', tokens.POST, 'admin', { body: () => ({ name: 'ci', role: 'deployer' }) }),
    R('api/v1/tokens/[id]/route.ts', 'DELETE', token.DELETE, 'admin', { params: () => ({ id: ids.token }) }),
    R('api/v1/audit/route.ts', 'GET', auditRoute.GET, 'admin'),
    R('api/v1/auth/me/route.ts', 'GET', me.GET, 'viewer'),
    R('api/v1/auth/logout/route.ts', 'POST', logoutRoute.POST, 'viewer'),
    R('api/v1/openapi.json/route.ts', 'GET', openapi.GET, 'viewer'),
    R('metrics/route.ts', 'GET', metrics.GET, 'viewer'),
    R('api/v1/deployments/[id]/analysis/route.ts', 'GET', analysis.GET, 'viewer', { params: () => ({ id: ids.deployment }) }),
    R('api/v1/services/[name]/error-budget/route.ts', 'GET', errorBudget.GET, 'viewer', { params: () => ({ name: 'alpha' }) }),
    R('api/v1/services/[name]/instances/route.ts', 'GET', instances.GET, 'viewer', { params: () => ({ name: 'alpha' }) }),
    R('api/v1/overview/route.ts', 'GET', overview.GET, 'viewer'),
    R('api/v1/changes/route.ts', 'GET', changes.GET, 'viewer'),
    R('api/v1/releases/route.ts', 'GET', releases.GET, 'viewer'),
    R('api/v1/services/[name]/lease/break/route.ts', 'POST', leaseBreak.POST, 'admin', { params: () => ({ name: 'beta' }), body: () => ({}), service: 'beta' }),
    R('api/v1/environments/route.ts', 'GET', environments.GET, 'viewer'),
    R('api/v1/environments/route.ts', 'POST', environments.POST, 'admin', { body: () => ({ name: 'qa', order: 5 }) }),
    R('api/v1/environments/[name]/route.ts', 'GET', environmentRoute.GET, 'viewer', { params: () => ({ name: 'production' }) }),
    R('api/v1/environments/[name]/route.ts', 'PATCH', environmentRoute.PATCH, 'admin', { params: () => ({ name: 'production' }), body: () => ({ soakMinutes: 5 }) }),
    R('api/v1/freeze-windows/route.ts', 'GET', freezeWindows.GET, 'viewer'),
    R('api/v1/freeze-windows/route.ts', 'POST', freezeWindows.POST, 'admin', { body: () => ({ reason: 'x', cron: '0 0 * * *', durationMinutes: 5 }) }),
    R('api/v1/freeze-windows/[id]/route.ts', 'DELETE', freezeWindow.DELETE, 'admin', { params: () => ({ id: '00000000-0000-0000-0000-000000000000' }) }),
    R('api/v1/services/[name]/promote/route.ts', 'POST', promote.POST, 'deployer', { params: () => ({ name: 'beta' }), body: () => ({ version: '1.0.0', dryRun: true }), service: 'beta' }),
    R('api/v1/deployments/[id]/approve/route.ts', 'POST', approve.POST, 'approver', { params: () => ({ id: ids.deployment }), body: () => ({}), service: 'beta' }),
    R('api/v1/deployments/[id]/reject/route.ts', 'POST', reject.POST, 'approver', { params: () => ({ id: ids.deployment }), body: () => ({}), service: 'beta' }),
    R('api/v1/approvals/route.ts', 'GET', approvals.GET, 'viewer'),
    R('api/v1/hosts/route.ts', 'GET', hosts.GET, 'viewer'),
    R('api/v1/hosts/route.ts', 'POST', hosts.POST, 'admin', { body: () => ({ name: 'web-9', address: 'http://10.9.9.9:7070', token: 'a-token-of-sixteen-or-more' }) }),
    R('api/v1/hosts/[name]/route.ts', 'GET', hostRoute.GET, 'viewer', { params: () => ({ name: 'web-1' }) }),
    R('api/v1/hosts/[name]/route.ts', 'PATCH', hostRoute.PATCH, 'admin', { params: () => ({ name: 'web-1' }), body: () => ({ draining: true }) }),
    R('api/v1/releases/[id]/rollback/route.ts', 'POST', releaseRollback.POST, 'deployer', { params: () => ({ id: ids.betaRelease ?? ids.release }), body: () => ({ dryRun: true }), service: 'beta' }),
    R('api/v1/notifications/subscriptions/route.ts', 'GET', subscriptions.GET, 'viewer'),
    R('api/v1/notifications/subscriptions/route.ts', 'POST', subscriptions.POST, 'admin', { body: () => ({ name: 'ops', url: 'https://hooks.example.com/x' }) }),
    R('api/v1/notifications/subscriptions/[id]/route.ts', 'DELETE', subscription.DELETE, 'admin', { params: () => ({ id: '00000000-0000-0000-0000-000000000000' }) }),
    R('api/v1/deployments/[id]/notifications/route.ts', 'GET', deploymentNotifications.GET, 'viewer', { params: () => ({ id: ids.deployment }) }),
    R('api/v1/rollback-windows/route.ts', 'GET', rollbackWindows.GET, 'viewer'),
    R('api/v1/insights/route.ts', 'GET', insights.GET, 'viewer'),
  ];
}


/** URL path of a route file, with its parameters filled in. */
export function routePath(file: string, params: Record<string, string>): string {
  return '/' + file.replace(/\/route\.ts$/, '').replace(/\[(\w+)\]/g, (_m, k: string) => encodeURIComponent(params[k] ?? ''));
}

/**
 * Every table a refused or malformed request must leave alone: row counts, and a digest of
 * the rows whose fields a request could change in place. One round trip.
 */
export async function rowCounts(db: Db): Promise<Record<string, string>> {
  const [row] = await db.$queryRaw<Array<Record<string, string>>>`
    SELECT
      (SELECT count(*) FROM services)::text AS services,
      (SELECT count(*) FROM service_dependencies)::text AS deps,
      (SELECT count(*) FROM versions)::text AS versions,
      (SELECT count(*) FROM deployments)::text AS deployments,
      (SELECT count(*) FROM events)::text AS events,
      (SELECT count(*) FROM leases)::text AS leases,
      (SELECT count(*) FROM releases)::text AS releases,
      (SELECT count(*) FROM release_history)::text AS history,
      (SELECT count(*) FROM users)::text AS users,
      (SELECT count(*) FROM api_tokens WHERE revoked_at IS NULL)::text AS tokens,
      (SELECT count(*) FROM sessions)::text AS sessions,
      (SELECT count(*) FROM freeze_windows)::text AS "freezeWindows",
      (SELECT count(*) FROM approvals)::text AS approvals,
      (SELECT count(*) FROM notification_subscriptions)::text AS subscriptions,
      (SELECT count(*) FROM notification_outbox)::text AS outbox,
      (SELECT count(*) FROM warm_windows)::text AS "warmWindows",
      (SELECT md5(coalesce(string_agg(concat_ws('|', name, address, draining, labels::text, capacity), ',' ORDER BY name), '')) FROM hosts) AS hosts,
      (SELECT md5(coalesce(string_agg(concat_ws('|', name, "order", protected, required_approvals, soak_minutes, strategy, runtime::text, description), ',' ORDER BY name), '')) FROM environments) AS environments,
      (SELECT md5(coalesce(string_agg(concat_ws('|', name, replicas, description, template::text, health::text, hooks::text, default_strategy, strategy_params::text, analysis::text, slo_availability, budget_freeze, required_config_keys::text), ',' ORDER BY name), '')) FROM services) AS "serviceRows",
      (SELECT md5(coalesce(string_agg(concat_ws('|', email, name, role, disabled, password_hash, service_scope::text), ',' ORDER BY email), '')) FROM users) AS "userRows",
      (SELECT md5(coalesce(string_agg(concat_ws('|', id, bad, state, control::text), ',' ORDER BY id), '')) FROM (SELECT v.id::text, v.bad, NULL AS state, NULL::jsonb AS control FROM versions v UNION ALL SELECT d.id::text, NULL, d.state::text, d.control FROM deployments d) x) AS "versionAndDeploymentRows"`;
  return row!;
}

export type RouteTokens = Record<'viewer' | 'deployer' | 'approver' | 'admin' | 'revoked' | 'scoped', string>;

/**
 * The rows the table's calls refer to, in an empty database (filled into `ids`): services alpha
 * and beta with v1.0.0, a finished deployment of beta, a release of each, a viewer user and a
 * token to revoke. Returns a token of each role, a revoked admin one and a deployer scoped to
 * alpha, named `<prefix><role>`.
 */
export async function seedRouteRows(db: Db, ids: RouteIds, prefix: string): Promise<RouteTokens> {
  for (const name of ['alpha', 'beta']) {
    await createService(db, { name, template: { command: 'demo' } }, 'setup');
    await createVersion(db, name, { version: '1.0.0' }, 'setup');
  }
  const d = await createDeployment({ db }, 'beta', { version: '1.0.0' }, 'setup');
  ids.deployment = d.dryRun ? '' : d.deployment.id;
  // Each finished at once, so the next may start: no worker runs here.
  const finish = async () => {
    await db.$executeRaw`UPDATE deployments SET state = 'succeeded', active_for = NULL`;
    await db.lease.deleteMany({});
  };
  await finish();
  ids.release = (await createRelease({ db }, { items: [{ service: 'alpha', version: '1.0.0' }] }, 'setup')).id;
  await finish();
  ids.betaRelease = (await createRelease({ db }, { items: [{ service: 'beta', version: '1.0.0' }] }, 'setup')).id;
  ids.user = (await createUser(db, { email: 'bob@example.com', password: 'bob-password-123', role: 'viewer' }, 'setup')).id;
  ids.token = (await createApiToken(db, { name: 'doomed', role: 'viewer' }, 'setup')).id;
  const tokens = {} as RouteTokens;
  for (const role of ['viewer', 'deployer', 'approver', 'admin'] as const) tokens[role] = await createTestToken(db, role, { name: `${prefix}${role}` });
  tokens.revoked = await createTestToken(db, 'admin', { name: `${prefix}revoked` });
  await revokeApiToken(db, (await db.apiToken.findFirstOrThrow({ where: { name: `${prefix}revoked` } })).id, 'setup');
  tokens.scoped = await createTestToken(db, 'deployer', { name: `${prefix}scoped`, serviceScope: ['alpha'] });
  return tokens;
}
