/**
 * The objects Flightdeck would apply for the first step of a deployment, as multi-document
 * YAML, with no server and no cluster: for review, or for `kubectl apply --dry-run=server -f -`.
 *
 * The first step is the strategy's first traffic stage: the new version's instances of that
 * stage, and the routing table once that stage's traffic has moved. A first step never takes
 * the live version out of rotation entirely, so when the plan's first traffic change moves all
 * of it (blue-green, recreate, a rolling update of one replica) the step shown is the one just
 * before: the new version running beside the live one at weight 0.
 */
import { z } from 'zod';
import { planDeployment } from '../../engine/plan';
import { STRATEGIES, type RouteSpec, type StrategyName } from '../../engine/types';
import type { RoutingTable } from '../types';
import { routeObjects, versionDeployment } from './manifests';
import { versionService } from './manifests';
import type { KubeObject } from './objects';
import { gatewayInput, healthInput, parseOrThrow } from './spec';

export const renderInput = z
  .object({
    service: z.string().min(1, 'service is required'),
    version: z.string().min(1, 'version is required'),
    image: z.string(),
    strategy: z
      .string()
      .refine((s) => (STRATEGIES as readonly string[]).includes(s), { error: (iss) => `unknown strategy ${JSON.stringify(iss.input)}: use one of ${STRATEGIES.join(', ')}` })
      .default('rolling'),
    replicas: z.number().int('replicas must be an integer').min(1, 'replicas must be at least 1').max(100).default(1),
    namespace: z.string().optional(),
    gateway: gatewayInput.optional(),
    /** The version serving now; without it the render is of the service's first deployment. */
    live: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    health: healthInput.partial().optional(),
    env: z.record(z.string(), z.string()).optional(),
  })
  .strict();

export type RenderInput = z.input<typeof renderInput>;

export interface Rendered {
  objects: KubeObject[];
  yaml: string;
  /** The new version's slots in the first step, and the routing table it ends with. */
  slots: number[];
  table: RoutingTable;
  note?: string;
}

/** Whether a route leaves the live version nothing. */
function takesAll(route: RouteSpec): boolean {
  return route.mode === 'weights' ? route.newWeight >= 100 : route.old.length === 0;
}

function tableFor(service: string, route: RouteSpec | null, liveId: string | null, newId: string): RoutingTable {
  const versions: RoutingTable['versions'] = [];
  if (route === null) {
    if (liveId) versions.push({ versionId: liveId, weight: 100 }, { versionId: newId, weight: 0 });
    else versions.push({ versionId: newId, weight: 0 });
  } else if (route.mode === 'weights') {
    if (liveId) versions.push({ versionId: liveId, weight: 100 - route.newWeight });
    versions.push({ versionId: newId, weight: route.newWeight });
  } else {
    if (liveId) versions.push({ versionId: liveId, weight: route.old.length, slots: route.old });
    versions.push({ versionId: newId, weight: route.new.length, slots: route.new });
  }
  return { service, versions };
}

/** `dump` writes one object as a YAML document (client-node's dumpYaml, passed in so this module loads no client). */
export function renderFirstStep(raw: RenderInput, dump: (o: KubeObject) => string): Rendered {
  const input = parseOrThrow(renderInput, raw, 'k8s render');
  const namespace = input.namespace ?? input.service;
  const plan = planDeployment({ strategy: input.strategy as StrategyName, params: {}, replicas: input.replicas, hasOld: !!input.live, hooks: { pre: [], post: [] } });
  // Without a server there are no version ids: the versions stand for themselves.
  const newId = input.version;
  const liveId = input.live ?? null;
  const slots = new Set<number>();
  let route: RouteSpec | null = null;
  for (const step of plan.steps) {
    if (step.kind === 'start') for (const i of step.instances) if (i.role === 'new') slots.add(i.slot);
    if (step.kind === 'route') {
      if (!(liveId && takesAll(step.route))) route = step.route;
      break;
    }
  }
  const version = {
    service: input.service,
    semver: input.version,
    namespace,
    image: input.image,
    ...(input.port ? { port: input.port } : {}),
    ...(input.health ? { health: input.health } : {}),
    ...(input.env ? { env: input.env } : {}),
  };
  const deployment = versionDeployment(version, { slots: [...slots] });
  const service = versionService(version);
  const table = tableFor(input.service, route, liveId, newId);
  const known = [{ versionId: newId, semver: input.version }, ...(input.live ? [{ versionId: input.live, semver: input.live }] : [])];
  const routing = routeObjects({ service: input.service, namespace, table, versions: known, gateway: input.gateway });
  const objects: KubeObject[] = [deployment, service, routing.service, ...(routing.route ? [routing.route] : [])];
  const header = [
    `# Flightdeck: first step of a ${input.strategy} deployment of ${input.service} ${input.version}${input.live ? ` beside ${input.live}` : ' (first deployment: no --live version)'}`,
    `# ${input.version}: ${slots.size} of ${input.replicas} replicas; traffic: ${table.versions.map((v) => `${v.versionId} ${v.weight}`).join(' / ')}`,
    '# Added at apply time: the lease fencing token (flightdeck.dev/fence) and the version and deployment ids (flightdeck.dev/version-id, deployment-id).',
    ...(routing.note ? [`# ${routing.note}`] : []),
  ];
  const yaml = `${header.join('\n')}\n${objects.map((o) => `---\n${dump(o)}`).join('')}`;
  return { objects, yaml, slots: [...slots].sort((a, b) => a - b), table, note: routing.note };
}
