import { describe, expect, it } from 'vitest';
import { openApiDocument } from './openapi';
import { createServiceSchema } from '../services/schemas';

describe('OpenAPI document', () => {
  const doc = openApiDocument() as any;

  it('describes request bodies with the schemas that validate them', () => {
    const body = doc.paths['/api/v1/services'].post.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(expect.arrayContaining(['name', 'template']));
    expect(body.additionalProperties).toBe(false);
    expect(Object.keys(body.properties).sort()).toEqual(Object.keys(createServiceSchema.shape).sort());
    expect(body.properties.replicas).toMatchObject({ type: 'integer', minimum: 1 });
  });

  it('names the role of every operation and the 401/403 it may answer', () => {
    const dep = doc.paths['/api/v1/services/{name}/deployments'].post;
    expect(dep['x-flightdeck-role']).toBe('deployer');
    expect(Object.keys(dep.responses)).toEqual(expect.arrayContaining(['202', '401', '403', '422']));
    expect(doc.paths['/api/v1/auth/login'].post.security).toEqual([]);
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc); // plain JSON
  });
});
