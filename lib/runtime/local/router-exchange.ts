/**
 * One proxied request: the client's request forwarded to the backend its route names, the
 * backend's answer streamed back, and exactly one `finish` call to the router with the
 * status to record (502 when the backend failed, 499 when the client went away first).
 */
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { responseHeaders } from './router-headers';
import type { Route } from './router-table';

export const STATUS_CLIENT_CLOSED = 499;

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
const BAD_GATEWAY_BODY = '{"error":"bad gateway"}';
const BAD_GATEWAY_HEADERS = ['Content-Type', JSON_CONTENT_TYPE, 'Content-Length', String(BAD_GATEWAY_BODY.length)];

/** What an exchange needs from its router; kept apart so the router's API stays small. */
export interface ProxyContext {
  readonly agent: http.Agent;
  readonly versionHeader: string | undefined;
  finish(route: Route, status: number, t0: number): void;
}

/** For a response's 'error' event: the client is gone, there is no one left to tell. */
export function ignore(): void {}

/** A malformed request: answer 400 while the socket still takes it; a reset connection is just dropped. */
export function onClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
}

/**
 * One client request forwarded to one backend (resent once if a reused idle socket was dead).
 * Event handlers are shared module functions that find their exchange through a symbol on the
 * emitter, so a request allocates no closures.
 */
const kExchange = Symbol('flightdeck.exchange');

interface WithExchange {
  [kExchange]?: Exchange;
}

export class Exchange {
  proxyReq: http.ClientRequest | null = null;
  status = 0;
  done = false;
  retried = false;

  constructor(
    readonly ctx: ProxyContext,
    readonly route: Route,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly headers: string[],
    readonly hasBody: boolean,
    readonly t0: number,
  ) {
    (res as WithExchange)[kExchange] = this;
    res.on('close', onClientClose);
  }

  send(): void {
    const route = this.route;
    const preq = http.request({
      hostname: route.hostname,
      port: route.port,
      method: this.req.method,
      path: this.req.url,
      headers: this.headers,
      agent: this.ctx.agent,
      setHost: false,
    });
    (preq as WithExchange)[kExchange] = this;
    this.proxyReq = preq;
    preq.on('response', onProxyResponse);
    preq.on('error', onProxyError);
    if (this.hasBody) {
      this.req.pipe(preq);
    } else {
      preq.end();
      if (!this.retried) this.req.resume();
    }
  }
}

function onProxyResponse(this: http.ClientRequest, pres: IncomingMessage): void {
  const ex = (this as WithExchange)[kExchange];
  if (ex === undefined) return;
  const res = ex.res;
  if (ex.done || res.destroyed) {
    pres.destroy();
    return;
  }
  const status = pres.statusCode ?? 502;
  ex.status = status;
  const headers = responseHeaders(pres.rawHeaders);
  const vh = ex.ctx.versionHeader;
  if (vh !== undefined) headers.push(vh, ex.route.versionId);
  res.writeHead(status, pres.statusMessage, headers);
  pres.on('error', onBackendStreamError);
  pres.on('aborted', onBackendStreamError);
  pres.pipe(res);
}

/** The backend socket died mid-response: the client cannot get a whole answer any more. */
function onBackendStreamError(this: IncomingMessage): void {
  const ex = ((this as IncomingMessage & { req?: http.ClientRequest }).req as WithExchange | undefined)?.[kExchange];
  if (ex === undefined || ex.done) return;
  ex.status = 502;
  ex.res.destroy();
}

function onProxyError(this: http.ClientRequest, err: NodeJS.ErrnoException): void {
  const ex = (this as WithExchange)[kExchange];
  if (ex === undefined) return;
  const res = ex.res;
  if (ex.done || res.destroyed || ex.proxyReq !== this) return;
  if (
    !ex.retried &&
    !ex.hasBody &&
    !res.headersSent &&
    this.reusedSocket &&
    (err.code === 'ECONNRESET' || err.code === 'EPIPE')
  ) {
    // The backend closed an idle keep-alive socket just as we reused it: resend once.
    ex.retried = true;
    ex.send();
    return;
  }
  ex.status = 502;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // The client's body may be half-read: don't try to reuse its connection.
  if (ex.hasBody) res.shouldKeepAlive = false;
  res.writeHead(502, BAD_GATEWAY_HEADERS);
  res.end(BAD_GATEWAY_BODY);
}

function onClientClose(this: ServerResponse): void {
  const ex = (this as WithExchange)[kExchange];
  if (ex === undefined || ex.done) return;
  ex.done = true;
  let status = ex.status;
  if (!this.writableFinished) {
    // The client went away (or we tore the response down): stop the backend exchange.
    ex.proxyReq?.destroy();
    if (status === 0) status = STATUS_CLIENT_CLOSED;
  }
  ex.ctx.finish(ex.route, status === 0 ? 502 : status, ex.t0);
}
