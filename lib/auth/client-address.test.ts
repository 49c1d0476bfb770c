import { describe, expect, it } from 'vitest';
import type { IncomingMessage } from 'node:http';
import { clientAddress, stampClientAddress } from './client-address';

const request = (headers: Record<string, string>, remoteAddress?: string) => ({ headers: { ...headers }, socket: { remoteAddress } }) as unknown as IncomingMessage;

describe('the client address', () => {
  it('is the socket address the server stamps over whatever the client sent, unless a proxy is trusted', () => {
    const direct = request({ 'x-forwarded-for': '6.6.6.6' }, '10.0.0.7');
    stampClientAddress(direct, false);
    expect(direct.headers['x-forwarded-for']).toBe('10.0.0.7');

    const proxied = request({ 'x-forwarded-for': '203.0.113.9, 10.0.0.1' }, '10.0.0.1');
    stampClientAddress(proxied, true);
    expect(proxied.headers['x-forwarded-for']).toBe('203.0.113.9, 10.0.0.1');
  });

  it('is read as the first X-Forwarded-For entry, else X-Real-IP, else unknown (null)', () => {
    expect(clientAddress(new Headers({ 'x-forwarded-for': ' 203.0.113.9 , 10.0.0.1' }))).toBe('203.0.113.9');
    expect(clientAddress(new Headers({ 'x-real-ip': '198.51.100.4' }))).toBe('198.51.100.4');
    expect(clientAddress(new Headers({ 'x-forwarded-for': '' }))).toBeNull();
    expect(clientAddress(new Headers())).toBeNull();
  });
});
