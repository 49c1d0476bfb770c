import { describe, expect, it } from 'vitest';
import { inspectRequest } from './edge';

const inspect = (method: string, target: string, headers: Record<string, string> = {}) => inspectRequest(method, target, headers);

describe('the HTTP edge', () => {
  it.each([
    ['GET', '/api/v1/services/%ff', /malformed percent-escape/],
    ['GET', '/api/v1/services/%e2%82', /malformed percent-escape/], // a truncated UTF-8 sequence
    ['POST', '/api/v1/services/a%zz/versions', /malformed percent-escape/],
    ['GET', '/api/v1/deployments/%/events', /malformed percent-escape/],
    ['GET', '/services/%ff', /malformed percent-escape/], // pages too
    ['GET', '/deployments/abc%', /malformed percent-escape/],
    ['GET', '/api/v1/services/%2e%2e', /"\.\." segment/],
    ['GET', '/api/v1/services/x/%2E%2e', /"\.\." segment/],
    ['GET', '/api/v1/services/.%2e/versions', /"\.\." segment/],
    ['GET', '/api/v1/./services', /"\." segment/],
    ['GET', '/services/..', /"\.\." segment/],
    ['GET', '/api\\v1/services', /backslash/],
    ['GET', 'services', /must be a path/],
  ])('%s %s → 400', (method, target, message) => {
    const v = inspect(method, target);
    expect(v.refusal?.code).toBe('bad_request');
    expect(v.refusal?.status).toBe(400);
    expect(v.refusal?.message).toMatch(message);
  });

  it.each([['/api/v1/nope'], ['/api/v1/services/alpha/nope'], ['/api/v1/services/'], ['/api/v1//services'], ['/api'], ['/api/v2/services'], ['/api/v1/%73ervices']])('GET %s → 404 with the error shape', (target) => {
    const v = inspect('GET', target);
    expect(v.refusal?.code).toBe('not_found');
    expect(v.refusal?.message).toMatch(/no such API path/);
  });

  it.each([
    ['PUT', '/api/v1/services', 'GET, POST, HEAD, OPTIONS'],
    ['DELETE', '/api/v1/services/alpha', 'GET, PATCH, HEAD, OPTIONS'],
    ['DELETE', '/api/health', 'GET, HEAD, OPTIONS'],
    ['GET', '/api/v1/deployments/x/pause', 'POST, OPTIONS'],
    ['POST', '/api/v1/deployments/x/events', 'GET, HEAD, OPTIONS'],
    ['POST', '/metrics', 'GET, HEAD, OPTIONS'],
  ])('%s %s → 405 naming what is allowed', (method, target, allow) => {
    const v = inspect(method, target);
    expect(v.refusal?.status).toBe(405);
    expect(v.refusal?.code).toBe('method_not_allowed');
    expect((v.refusal?.details?.allow as string[]).join(', ')).toBe(allow);
  });

  it('a static segment wins over a parameter, as in the Next.js router', () => {
    expect(inspect('POST', '/api/v1/deployments/x/approve').route).toBe('/api/v1/deployments/{id}/approve');
    expect(inspect('POST', '/api/v1/deployments/x/abort').route).toBe('/api/v1/deployments/{id}/{action}');
    expect(inspect('GET', '/api/v1/deployments/x/analysis').route).toBe('/api/v1/deployments/{id}/analysis');
  });

  it('an API body declaring more than 1 MiB is refused before it is read', () => {
    const v = inspect('POST', '/api/v1/releases', { 'content-length': String(50 * 1024 * 1024) });
    expect(v.refusal?.message).toMatch(/request body over 1048576 bytes/);
    expect(inspect('POST', '/api/v1/releases', { 'content-length': '1048576' }).refusal).toBeNull();
  });

  it('lets through what is well-formed, and labels it with its pattern (never the raw path)', () => {
    expect(inspect('GET', '/api/v1/services/pay%20ments?environment=prod')).toEqual({ route: '/api/v1/services/{name}', refusal: null });
    expect(inspect('HEAD', '/api/v1/services')).toEqual({ route: '/api/v1/services', refusal: null });
    expect(inspect('OPTIONS', '/api/v1/releases')).toEqual({ route: '/api/v1/releases', refusal: null });
    expect(inspect('GET', '/services/payment-gateway')).toEqual({ route: '/services/{name}', refusal: null });
    expect(inspect('GET', '/')).toEqual({ route: '/', refusal: null });
    expect(inspect('GET', '/_next/static/chunks/x.js')).toEqual({ route: '/_next', refusal: null });
    expect(inspect('GET', '/no/such/page')).toEqual({ route: 'unmatched', refusal: null });
    expect(inspect('GET', 'http://example.com/api/v1/services')).toEqual({ route: '/api/v1/services', refusal: null });
    expect(inspect('GET', '/api/v1/services/%2e')).toMatchObject({ refusal: { code: 'bad_request' } });
    expect(inspect('GET', '/api/v1/services/a.b')).toEqual({ route: '/api/v1/services/{name}', refusal: null });
  });
});

describe('pages at the edge', () => {
  it.each(['TRACE', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND'])('%s on a page → 405 (Next.js would answer 500)', (method) => {
    const v = inspect(method, '/releases');
    expect(v.refusal?.status).toBe(405);
    expect(v.refusal?.details?.allow).toEqual(['GET', 'HEAD', 'POST']);
  });
});
