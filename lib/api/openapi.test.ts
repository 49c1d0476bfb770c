import { describe, expect, it } from 'vitest';
import { openApiDocument } from './openapi';
import { createServiceSchema } from '../services/schemas';
import { DEFAULTS, STRATEGIES } from '../engine';

describe('OpenAPI document', () => {
  const doc = openApiDocument() as any;
  const schemas = doc.components.schemas;

  it('describes request bodies with the schemas that validate them', () => {
    const body = doc.paths['/api/v1/services'].post.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(expect.arrayContaining(['name', 'template']));
    expect(body.additionalProperties).toBe(false);
    expect(Object.keys(body.properties).sort()).toEqual(Object.keys(createServiceSchema.shape).sort());
    expect(body.properties.replicas).toMatchObject({ type: 'integer', minimum: 1 });
    expect(body.properties.health.properties.gracePeriodSeconds).toMatchObject({ default: DEFAULTS.health.gracePeriodSeconds, minimum: 0 });
  });

  it('names the role of every operation and the 401/403 it may answer', () => {
    const dep = doc.paths['/api/v1/services/{name}/deployments'].post;
    expect(dep['x-flightdeck-role']).toBe('deployer');
    expect(Object.keys(dep.responses)).toEqual(expect.arrayContaining(['202', '401', '403', '422']));
    expect(doc.paths['/api/v1/auth/login'].post.security).toEqual([]);
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc); // plain JSON
  });

  it('documents strategy params per strategy, wherever params are taken', () => {
    const refs = STRATEGIES.map((s) => ({ $ref: `#/components/schemas/${{ rolling: 'Rolling', 'blue-green': 'BlueGreen', canary: 'Canary', recreate: 'Recreate' }[s]}Params` }));
    const deploy = doc.paths['/api/v1/services/{name}/deployments'].post.requestBody.content['application/json'].schema;
    expect(deploy.properties.params.anyOf).toEqual(refs);
    const create = doc.paths['/api/v1/services'].post.requestBody.content['application/json'].schema;
    expect(create.properties.strategyParams.anyOf).toEqual(refs);
    expect(schemas.RollingParams).toMatchObject({ additionalProperties: false, properties: { batchSize: { type: 'integer', minimum: 1, default: 1 } } });
    expect(schemas.BlueGreenParams.properties.scaleDownDelaySeconds).toMatchObject({ default: DEFAULTS.scaleDownDelaySeconds, minimum: 0 });
    expect(schemas.CanaryParams.properties.steps).toMatchObject({ type: 'array', default: DEFAULTS.canarySteps });
    expect(schemas.RecreateParams).toMatchObject({ type: 'object', additionalProperties: false });
  });

  it('documents the analysis config a service and a deployment take, and the one in force', () => {
    for (const [path, method] of [['/api/v1/services', 'post'], ['/api/v1/services/{name}/deployments', 'post'], ['/api/v1/services/{name}', 'patch']] as const) {
      expect(doc.paths[path][method].requestBody.content['application/json'].schema.properties.analysis, path).toEqual({ $ref: '#/components/schemas/AnalysisConfig' });
    }
    const metric = schemas.AnalysisConfig.properties.metrics.items;
    expect(Object.keys(metric.properties)).toEqual(expect.arrayContaining(['name', 'kind', 'provider', 'query', 'url', 'path', 'threshold', 'maxChange', 'critical']));
    expect(metric.properties.provider).toMatchObject({ enum: ['router', 'prometheus', 'web'], default: 'router' });
    expect(schemas.AppliedAnalysisConfig.required).toEqual(expect.arrayContaining(['metrics', 'alpha', 'webhooks']));
  });

  it('documents the body of every successful answer, and every reference resolves', () => {
    for (const [path, ops] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(ops)) {
        const ok = Object.entries<any>(op.responses).filter(([status]) => status.startsWith('2'));
        expect(ok.length, `${method} ${path}`).toBeGreaterThan(0);
        for (const [status, r] of ok) {
          const schema = r.content['application/json'].schema;
          expect(schema.$ref ?? schema.properties ?? schema.anyOf, `${method} ${path} ${status}`).toBeDefined();
        }
      }
    }
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.filter((r) => !schemas[r])).toEqual([]);
    expect(doc.paths['/api/v1/services/{name}/deployments'].post.responses['200'].content['application/json'].schema.properties.preview).toEqual({ $ref: '#/components/schemas/Preview' });
    expect(doc.paths['/api/health'].get['x-flightdeck-role']).toBe('public');
  });
});
