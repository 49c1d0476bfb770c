/**
 * The route step: one atomic change of the service's routing table. 'instances' routes put
 * exactly the named slots of each version in rotation (rolling, recreate); 'weights' routes
 * give the new version a share of requests and the old one the rest (canary, blue-green — for
 * blue-green only 0 or 100, so no table ever holds both colours).
 */
import { describeTrafficChange, type RouteSpec, type Step } from '../../engine';
import type { InstanceStatus, RoutingTable, VersionRoute } from '../../runtime/types';
import type { Executor, LoadedDeployment } from '../context';

export function routingTable(d: LoadedDeployment, route: RouteSpec): RoutingTable {
  const versions: VersionRoute[] = [];
  const from = d.fromVersion?.id ?? null;
  if (route.mode === 'instances') {
    if (from && route.old.length > 0) versions.push({ versionId: from, weight: route.old.length, slots: [...route.old] });
    if (route.new.length > 0) versions.push({ versionId: d.toVersion.id, weight: route.new.length, slots: [...route.new] });
  } else {
    if (route.newWeight > 0) versions.push({ versionId: d.toVersion.id, weight: route.newWeight });
    if (from && route.newWeight < 100) versions.push({ versionId: from, weight: 100 - route.newWeight });
  }
  return { service: d.service.name, versions };
}

/** A version given requests must have an instance to take them; otherwise the step must not pretend. */
function assertServable(d: LoadedDeployment, table: RoutingTable, running: InstanceStatus[]): void {
  for (const v of table.versions) {
    if (v.weight <= 0) continue;
    const members = running.filter((i) => i.versionId === v.versionId && i.state === 'running' && (v.slots === undefined || v.slots.includes(i.slot)));
    if (members.length === 0) {
      const semver = v.versionId === d.toVersion.id ? d.toVersion.semver : (d.fromVersion?.semver ?? '?');
      throw new Error(`no running instance of v${semver} to send traffic to`);
    }
  }
}

export const route: Executor<Extract<Step, { kind: 'route' }>> = async (step, ctx) => {
  const table = routingTable(ctx.d, step.route);
  assertServable(ctx.d, table, await ctx.runtime.list(ctx.d.service.name));
  await ctx.runtime.setRoutes(ctx.fence, table);
  return {
    kind: 'advance',
    events: [
      {
        type: 'traffic_shifted',
        message: describeTrafficChange(step.route, { to: ctx.d.toVersion.semver, from: ctx.d.fromVersion?.semver ?? null }),
        data: { route: step.route, versions: table.versions },
      },
    ],
  };
};
