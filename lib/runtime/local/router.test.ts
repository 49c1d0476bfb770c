import http from 'node:http';
import net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ServiceRouter } from './router';
import { UNROUTED_VERSION } from './metrics';

// ---------------------------------------------------------------- tiny real backends

interface TestBackend {
  name: string;
  url: string;
  server: http.Server;
  /** connections accepted so far */
  connections: number;
  /** Resolves with a release function when the next /slow request arrives. */
  nextSlow(): Promise<{ release: () => void; closed: Promise<void> }>;
  /** For /stream: resolved by the test once the first chunk reached the client. */
  streamGate: { wait: Promise<void>; open: () => void };
  /** For /upload: opened when the first request-body chunk arrives at the backend. */
  uploadGate: { wait: Promise<void>; open: () => void };
  close(): Promise<void>;
}

function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

async function startBackend(name: string): Promise<TestBackend> {
  const slowWaiters: Array<(s: { release: () => void; closed: Promise<void> }) => void> = [];
  const pendingSlow: Array<{ release: () => void; closed: Promise<void> }> = [];
  const b: TestBackend = {
    name,
    url: '',
    connections: 0,
    server: http.createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0]!;
      if (path.startsWith('/slow')) {
        const closed = once(req.socket, 'close').then(() => undefined);
        const entry = { release: () => res.end(name), closed };
        const w = slowWaiters.shift();
        if (w) w(entry);
        else pendingSlow.push(entry);
        return;
      }
      if (path === '/stream') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('first;');
        void b.streamGate.wait.then(() => res.end('second'));
        return;
      }
      if (path === '/echo' || path === '/upload') {
        const chunks: Buffer[] = [];
        let n = 0;
        req.on('data', (c: Buffer) => {
          chunks.push(c);
          if (n++ === 0 && path === '/upload') b.uploadGate.open();
        });
        req.on('end', () => {
          res.setHeader('content-type', 'application/json');
          res.end(
            JSON.stringify({
              name,
              method: req.method,
              url: req.url,
              headers: req.headers,
              body: Buffer.concat(chunks).toString(),
              chunks: chunks.length,
            }),
          );
        });
        return;
      }
      if (path === '/break') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('partial');
        setImmediate(() => res.socket?.destroy());
        return;
      }
      if (path === '/status/404') {
        res.statusCode = 404;
        res.end(name);
        return;
      }
      res.end(name);
    }),
    nextSlow() {
      const p = pendingSlow.shift();
      if (p) return Promise.resolve(p);
      return new Promise((r) => slowWaiters.push(r));
    },
    streamGate: gate(),
    uploadGate: gate(),
    close: async () => {
      b.server.closeAllConnections();
      await new Promise<void>((r) => b.server.close(() => r()));
    },
  };
  b.server.on('connection', () => b.connections++);
  b.server.listen(0, '127.0.0.1');
  await once(b.server, 'listening');
  b.url = `http://127.0.0.1:${(b.server.address() as AddressInfo).port}`;
  return b;
}

// ---------------------------------------------------------------- client helpers

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  chunks: string[];
  startedAt: number;
  socket: Socket | null;
}

function request(
  url: string,
  opts: {
    agent?: http.Agent | false;
    method?: string;
    headers?: http.OutgoingHttpHeaders;
    body?: string;
    onFirstChunk?: () => void;
  } = {},
): Promise<Answer> {
  const startedAt = performance.now();
  return new Promise((resolve, reject) => {
    let socket: Socket | null = null;
    const req = http.request(
      url,
      { agent: opts.agent ?? false, method: opts.method ?? 'GET', headers: opts.headers },
      (res) => {
        const chunks: string[] = [];
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          chunks.push(c);
          if (chunks.length === 1) opts.onFirstChunk?.();
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: chunks.join(''), chunks, startedAt, socket }),
        );
        res.on('error', reject);
      },
    );
    req.on('socket', (s) => (socket = s));
    req.on('error', reject);
    req.end(opts.body);
  });
}

// ---------------------------------------------------------------- fixtures

let A: TestBackend;
let B: TestBackend;
let C: TestBackend;
let router: ServiceRouter;
let agent: http.Agent;
let base: string;

const tableOf = (...entries: Array<[TestBackend, number]>) =>
  entries.map(([b, weight]) => ({ instanceId: b.name, versionId: `v-${b.name}`, url: b.url, weight }));

beforeAll(async () => {
  [A, B, C] = await Promise.all([startBackend('A'), startBackend('B'), startBackend('C')]);
});

afterAll(async () => {
  await Promise.all([A.close(), B.close(), C.close()]);
});

beforeEach(async () => {
  router = new ServiceRouter({ service: 'svc', versionHeader: 'x-flightdeck-version' });
  const { port } = await router.listen();
  expect(port).toBeGreaterThan(0);
  expect(router.port).toBe(port);
  base = `http://127.0.0.1:${port}`;
  agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
});

afterEach(async () => {
  agent.destroy();
  await router.close();
});

// ---------------------------------------------------------------- tests

describe('ServiceRouter routing', () => {
  it('splits traffic roughly by weight and never sends to weight 0', async () => {
    router.setTable([...tableOf([A, 1], [B, 3], [C, 0])]);
    const counts: Record<string, number> = { A: 0, B: 0, C: 0 };
    const total = 2000;
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < total) {
          next++;
          const r = await request(`${base}/`, { agent });
          expect(r.status).toBe(200);
          counts[r.body] = (counts[r.body] ?? 0) + 1;
        }
      }),
    );
    expect(counts.A! + counts.B!).toBe(total);
    expect(counts.C).toBe(0);
    expect(counts.A! / total).toBeGreaterThan(0.2);
    expect(counts.A! / total).toBeLessThan(0.3);

    const t = router.traffic(0, Infinity);
    expect(t['v-A']!.requests + t['v-B']!.requests).toBe(total);
    expect(t['v-C']).toBeUndefined();
    expect(router.routes().map((r) => r.instanceId)).toEqual(['A', 'B']);
  });

  it('switches atomically: requests started after setTable all hit B, one started before finishes on A', async () => {
    router.setTable(tableOf([A, 1]));
    const slow = request(`${base}/slow`, { agent });
    const { release } = await A.nextSlow();

    // Continuous load from 16 workers across the swap.
    const results: Array<{ startedAt: number; body: string }> = [];
    let stop = false;
    let swappedAt = Infinity;
    let afterSwap = 0;
    let reachedAfterSwap!: () => void;
    const enoughAfterSwap = new Promise<void>((r) => (reachedAfterSwap = r));
    let beforeSwap = 0;
    let reachedBeforeSwap!: () => void;
    const enoughBeforeSwap = new Promise<void>((r) => (reachedBeforeSwap = r));
    const workers = Array.from({ length: 16 }, async () => {
      while (!stop) {
        const r = await request(`${base}/`, { agent });
        results.push({ startedAt: r.startedAt, body: r.body });
        if (r.startedAt > swappedAt) {
          if (++afterSwap === 300) reachedAfterSwap();
        } else if (++beforeSwap === 100) reachedBeforeSwap();
      }
    });
    await enoughBeforeSwap;
    router.setTable(tableOf([B, 1]));
    swappedAt = performance.now();
    await enoughAfterSwap;
    stop = true;
    await Promise.all(workers);

    // A burst of concurrent requests started after the swap.
    const burst = await Promise.all(Array.from({ length: 100 }, () => request(`${base}/`, { agent })));
    for (const r of burst) {
      expect(r.startedAt).toBeGreaterThan(swappedAt);
      expect(r.body).toBe('B');
      expect(r.headers['x-flightdeck-version']).toBe('v-B');
    }

    const late = results.filter((r) => r.startedAt > swappedAt);
    expect(late.length).toBeGreaterThanOrEqual(300);
    expect(late.every((r) => r.body === 'B')).toBe(true);
    const early = results.filter((r) => r.startedAt <= swappedAt);
    expect(early.some((r) => r.body === 'A')).toBe(true);

    expect(router.inFlight('A')).toBe(1);
    release();
    const s = await slow;
    expect(s.status).toBe(200);
    expect(s.body).toBe('A');
    expect(router.inFlight('A')).toBe(0);
  });

  it('rejects an invalid table without replacing the current one', () => {
    router.setTable(tableOf([A, 1]));
    expect(() => router.setTable([{ instanceId: 'x', versionId: 'v', url: 'ftp://127.0.0.1:1', weight: 1 }])).toThrow();
    expect(() => router.setTable([...tableOf([B, 1]), ...tableOf([B, 2])])).toThrow(/duplicate/);
    expect(() => router.setTable(tableOf([B, -1]))).toThrow(/weight/);
    expect(router.routes().map((r) => r.instanceId)).toEqual(['A']);
  });
});

describe('ServiceRouter drain', () => {
  it('waits for the in-flight slow request, then resolves drained', async () => {
    router.setTable(tableOf([A, 1]));
    const slow = request(`${base}/slow`, { agent });
    const { release } = await A.nextSlow();
    router.setTable(tableOf([B, 1]));

    let settled = false;
    const drained = router.drain(['A'], 5000).then((r) => {
      settled = true;
      return r;
    });
    // A full round trip through the router (to B) while A is still busy.
    expect((await request(`${base}/`, { agent })).body).toBe('B');
    expect(settled).toBe(false);
    expect(router.inFlight('A')).toBe(1);

    release();
    expect(await drained).toEqual({ drained: true, inFlight: 0 });
    expect((await slow).body).toBe('A');
  });

  it('times out with drained: false when the request is too slow', async () => {
    router.setTable(tableOf([A, 1]));
    const slow = request(`${base}/slow`, { agent });
    const { release } = await A.nextSlow();
    router.setTable(tableOf([B, 1]));
    expect(await router.drain(['A'], 50)).toEqual({ drained: false, inFlight: 1 });
    release();
    expect((await slow).body).toBe('A');
    expect(await router.drain(['A', 'unknown'], 50)).toEqual({ drained: true, inFlight: 0 });
  });

  it('survives a client abort: the backend exchange is torn down and the instance drains', async () => {
    router.setTable(tableOf([A, 1]));
    const req = http.request(`${base}/slow`, { agent: false });
    const clientError = once(req, 'error').catch(() => undefined);
    req.end();
    const { closed } = await A.nextSlow();
    req.destroy();
    await clientError;
    expect(await router.drain(['A'], 2000)).toEqual({ drained: true, inFlight: 0 });
    await closed; // the router closed its backend connection
    expect(router.traffic(0, Infinity)['v-A']).toEqual({ requests: 1, errors: 1, serverErrors: 0 });
    expect((await request(`${base}/`, { agent })).body).toBe('A');
  });
});

describe('ServiceRouter errors', () => {
  it('answers 503 with a JSON error when no backend is in rotation', async () => {
    for (const table of [[], tableOf([A, 0])]) {
      router.setTable(table);
      const r = await request(`${base}/anything`, { agent });
      expect(r.status).toBe(503);
      expect(r.headers['content-type']).toMatch(/application\/json/);
      expect(JSON.parse(r.body)).toEqual({ error: 'no ready instance for svc' });
    }
    expect(router.traffic(0, Infinity)[UNROUTED_VERSION]).toEqual({ requests: 2, errors: 2, serverErrors: 2 });
  });

  it('answers 502 when a backend is down and counts it as a 5xx for its version', async () => {
    const dead = http.createServer();
    dead.listen(0, '127.0.0.1');
    await once(dead, 'listening');
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((r) => dead.close(() => r()));

    router.setTable([{ instanceId: 'dead', versionId: 'v-dead', url: `http://127.0.0.1:${port}`, weight: 1 }]);
    const r = await request(`${base}/`, { agent });
    expect(r.status).toBe(502);
    expect(JSON.parse(r.body)).toEqual({ error: 'bad gateway' });
    expect(router.traffic(0, Infinity)['v-dead']).toEqual({ requests: 1, errors: 1, serverErrors: 1 });
    expect(router.inFlight('dead')).toBe(0);

    // the router is still fine
    router.setTable(tableOf([B, 1]));
    expect((await request(`${base}/`, { agent })).body).toBe('B');
  });

  it('cuts the client off when the backend dies mid-response, records a 502, keeps serving', async () => {
    router.setTable(tableOf([A, 1]));
    await expect(request(`${base}/break`, { agent: false })).rejects.toThrow();
    expect(await router.drain(['A'], 2000)).toEqual({ drained: true, inFlight: 0 });
    expect(router.traffic(0, Infinity)['v-A']).toEqual({ requests: 1, errors: 1, serverErrors: 1 });
    expect((await request(`${base}/`, { agent })).body).toBe('A');
  });

  it('counts non-2xx answers as errors but not server errors', async () => {
    router.setTable(tableOf([A, 1]));
    const r = await request(`${base}/status/404`, { agent });
    expect(r.status).toBe(404);
    expect(router.traffic(0, Infinity)['v-A']).toEqual({ requests: 1, errors: 1, serverErrors: 0 });
  });
});

describe('ServiceRouter backend connections', () => {
  /**
   * A raw backend that answers the first request on each connection (keep-alive) and resets
   * the connection when a second one arrives on it: the race of reusing an idle socket the
   * backend just closed, made deterministic.
   */
  async function oneShotBackend(): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
    let connections = 0;
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
      connections++;
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
      let seen = '';
      let answered = false;
      socket.on('data', (d) => {
        seen += d.toString('latin1');
        if (!seen.includes('\r\n\r\n')) return;
        if (answered) {
          socket.resetAndDestroy();
          return;
        }
        answered = true;
        seen = seen.slice(seen.indexOf('\r\n\r\n') + 4);
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok');
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      connections: () => connections,
      close: async () => {
        for (const s of sockets) s.destroy();
        await new Promise<void>((r) => server.close(() => r()));
      },
    };
  }

  it('resends a bodiless request once when a reused keep-alive socket turns out dead', async () => {
    const be = await oneShotBackend();
    try {
      router.setTable([{ instanceId: 'raw', versionId: 'v-raw', url: be.url, weight: 1 }]);
      for (let i = 0; i < 3; i++) {
        const r = await request(`${base}/`, { agent });
        expect(r.status).toBe(200);
        expect(r.body).toBe('ok');
      }
      expect(be.connections()).toBe(3);
      expect(router.traffic(0, Infinity)['v-raw']).toEqual({ requests: 3, errors: 0, serverErrors: 0 });

      // a request with a body is not resent: the client gets a 502
      const post = await request(`${base}/`, { agent, method: 'POST', body: 'x', headers: { 'content-length': 1 } });
      expect(post.status).toBe(502);
      expect(router.traffic(0, Infinity)['v-raw']).toEqual({ requests: 4, errors: 1, serverErrors: 1 });
    } finally {
      await be.close();
    }
  });

  it('close() stops accepting but lets an in-flight request finish', async () => {
    router.setTable(tableOf([A, 1]));
    const slow = request(`${base}/slow`, { agent: false });
    const { release } = await A.nextSlow();
    let closed = false;
    const closing = router.close().then(() => (closed = true));
    await expect(request(`${base}/`, { agent: false })).rejects.toThrow(/ECONNREFUSED/);
    expect(closed).toBe(false);
    release();
    expect((await slow).body).toBe('A');
    await closing;
    expect(router.inFlight('A')).toBe(0);
  });
});

describe('ServiceRouter proxying', () => {
  it('reuses one client connection and few backend connections for many sequential requests', async () => {
    router.setTable(tableOf([C, 1]));
    const single = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const before = C.connections;
    const sockets = new Set<Socket>();
    try {
      for (let i = 0; i < 300; i++) {
        const r = await request(`${base}/`, { agent: single });
        expect(r.status).toBe(200);
        expect(r.body).toBe('C');
        sockets.add(r.socket!);
      }
    } finally {
      single.destroy();
    }
    expect(sockets.size).toBe(1);
    expect(C.connections - before).toBeLessThanOrEqual(2);
  });

  it('streams the response: the first chunk arrives before the backend finishes', async () => {
    router.setTable(tableOf([A, 1]));
    A.streamGate = gate();
    // The backend only sends the second chunk after the client got the first one,
    // so a buffering proxy would never complete this request.
    const r = await request(`${base}/stream`, { agent, onFirstChunk: () => A.streamGate.open() });
    expect(r.chunks.length).toBeGreaterThanOrEqual(2);
    expect(r.chunks[0]).toBe('first;');
    expect(r.body).toBe('first;second');
  });

  it('streams the request body to the backend', async () => {
    router.setTable(tableOf([A, 1]));
    A.uploadGate = gate();
    const answer = new Promise<Answer>((resolve, reject) => {
      const req = http.request(`${base}/upload`, { method: 'POST', agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, chunks: [], startedAt: 0, socket: null }),
        );
      });
      req.on('error', reject);
      req.write('part-one;');
      // the second part is only sent once the backend has received the first
      void A.uploadGate.wait.then(() => req.end('part-two'));
    });
    const r = await answer;
    const echo = JSON.parse(r.body);
    expect(echo.body).toBe('part-one;part-two');
    expect(echo.chunks).toBeGreaterThanOrEqual(2);
    expect(echo.headers['transfer-encoding']).toBe('chunked');
  });

  it('forwards method, path, body and end-to-end headers; drops hop-by-hop; adds x-forwarded-*', async () => {
    router.setTable(tableOf([B, 1]));
    const payload = JSON.stringify({ hello: 'world' });
    const r = await request(`${base}/echo?x=1`, {
      agent,
      method: 'PUT',
      body: payload,
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(payload),
        'x-custom': 'kept',
        'x-hop': 'dropped',
        connection: 'keep-alive, x-hop',
        'proxy-authorization': 'secret',
        'x-forwarded-for': '10.0.0.1',
      },
    });
    expect(r.status).toBe(200);
    expect(r.headers['x-flightdeck-version']).toBe('v-B');
    const echo = JSON.parse(r.body);
    expect(echo.method).toBe('PUT');
    expect(echo.url).toBe('/echo?x=1');
    expect(echo.body).toBe(payload);
    expect(echo.headers['x-custom']).toBe('kept');
    expect(echo.headers['x-hop']).toBeUndefined();
    expect(echo.headers['proxy-authorization']).toBeUndefined();
    expect(echo.headers['x-forwarded-for']).toBe('10.0.0.1, 127.0.0.1');
    expect(echo.headers['x-forwarded-host']).toBe(`127.0.0.1:${router.port}`);
    expect(echo.headers['x-forwarded-proto']).toBe('http');
    expect(echo.headers.host).toBe(`127.0.0.1:${router.port}`);
    expect(echo.headers['content-length']).toBe(String(Buffer.byteLength(payload)));

    // an empty POST stays empty (not chunked)
    const empty = JSON.parse((await request(`${base}/echo`, { agent, method: 'POST' })).body);
    expect(empty.body).toBe('');
    expect(empty.headers['transfer-encoding']).toBeUndefined();
  });

  it('records every completed request with its version, status and latency', async () => {
    router.setTable(tableOf([A, 1]));
    for (let i = 0; i < 20; i++) await request(`${base}/`, { agent });
    const lat = router.latency(0, Infinity)['v-A']!;
    expect(lat.count).toBe(20);
    expect(lat.p50).toBeGreaterThan(0);
    expect(lat.p99).toBeGreaterThanOrEqual(lat.p50);
    const text = router.prometheusText();
    expect(text).toContain('flightdeck_requests_total{service="svc",version="v-A",code_class="2xx"} 20');
    expect(text).toContain('flightdeck_request_duration_seconds_count{service="svc",version="v-A"} 20');
  });

  it('buckets metrics with the injected clock', async () => {
    let t = 1_000_000;
    const r2 = new ServiceRouter({ service: 'clocked', now: () => t });
    const { port } = await r2.listen();
    try {
      r2.setTable(tableOf([A, 1]));
      await request(`http://127.0.0.1:${port}/`, { agent });
      t = 1_005_000;
      await request(`http://127.0.0.1:${port}/status/404`, { agent });
      expect(r2.traffic(1_000_000, 1_001_000)).toEqual({ 'v-A': { requests: 1, errors: 0, serverErrors: 0 } });
      expect(r2.traffic(1_005_000, 1_006_000)).toEqual({ 'v-A': { requests: 1, errors: 1, serverErrors: 0 } });
      expect(r2.traffic(1_001_000, 1_005_000)).toEqual({});
    } finally {
      await r2.close();
    }
  });
});
