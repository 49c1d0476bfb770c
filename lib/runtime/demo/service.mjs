#!/usr/bin/env node
/**
 * Flightdeck's demo service: a small HTTP service whose version config sets its behaviour,
 * so every failure a deployment must survive (errors, latency, slow warm-up, crash on start, missing config) can be reproduced for real. Plain JavaScript so an
 * instance starts in milliseconds.
 *
 *   PORT                  where to listen (the runtime assigns it)
 *   HOST                  the address to listen on (default 127.0.0.1; a fleet host gives its own)
 *   FLIGHTDECK_SERVICE / FLIGHTDECK_VERSION / FLIGHTDECK_INSTANCE   echoed in every response
 *   DEMO_REQUIRED_ENV     comma-separated keys that must be set, else exit 78 naming them
 *   DEMO_CRASH_ON_START   "1"/"true": exit 1 at once
 *   DEMO_WARMUP_SECONDS   /healthz answers 503 until this long after start
 *   DEMO_ERROR_RATE       share of requests (0..1) answered with a 500
 *   DEMO_LATENCY_MS       added to every request
 *
 * Routes: /healthz, /slow?ms=N (a long request, for drain tests), /stream (a chunked
 * response), anything else → 200 JSON. SIGTERM: stop accepting, finish in-flight, exit 0.
 */
import http from 'node:http';

const env = process.env;
const service = env.FLIGHTDECK_SERVICE ?? 'demo';
const version = env.FLIGHTDECK_VERSION ?? '0.0.0';
const instance = env.FLIGHTDECK_INSTANCE ?? `${service}-${process.pid}`;

const required = (env.DEMO_REQUIRED_ENV ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const missing = required.filter((k) => !env[k]);
if (missing.length) {
  console.error(`missing required env keys: ${missing.join(', ')}`);
  process.exit(78);
}
if (env.DEMO_CRASH_ON_START === '1' || env.DEMO_CRASH_ON_START === 'true') {
  console.error('crashing on start (DEMO_CRASH_ON_START)');
  process.exit(1);
}

const startedAt = Date.now();
const warmupMs = Number(env.DEMO_WARMUP_SECONDS ?? 0) * 1000;
const errorRate = Number(env.DEMO_ERROR_RATE ?? 0);
const latencyMs = Number(env.DEMO_LATENCY_MS ?? 0);
const body = (extra) => JSON.stringify({ service, version, instance, ...extra });
const headers = { 'content-type': 'application/json', 'x-flightdeck-version': version, 'x-flightdeck-instance': instance };

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  // Echo the router's arrival stamp, so clients can tell when routing happened.
  const routedAt = req.headers['x-request-start'];
  if (typeof routedAt === 'string') res.setHeader('x-request-start', routedAt);
  if (url.pathname === '/healthz') {
    const warm = Date.now() - startedAt >= warmupMs;
    res.writeHead(warm ? 200 : 503, headers).end(body({ status: warm ? 'ok' : 'warming up' }));
    return;
  }
  const respond = () => {
    if (url.pathname === '/stream') {
      res.writeHead(200, { ...headers, 'content-type': 'text/plain' });
      let i = 0;
      const t = setInterval(() => {
        res.write(`chunk ${i} from ${version}\n`);
        if (++i === 5) {
          clearInterval(t);
          res.end();
        }
      }, 20);
      return;
    }
    if (errorRate > 0 && Math.random() < errorRate) {
      res.writeHead(500, headers).end(body({ error: 'injected failure (DEMO_ERROR_RATE)' }));
      return;
    }
    res.writeHead(200, headers).end(body({ path: url.pathname }));
  };
  const wait = latencyMs + (url.pathname === '/slow' ? Number(url.searchParams.get('ms') ?? 1000) : 0);
  if (wait > 0) setTimeout(respond, wait);
  else respond();
});
server.keepAliveTimeout = 65_000;

// Output goes to whoever started the instance; if that agent died (a restarted one adopts the
// instance), writing must not kill the instance.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});

const host = env.HOST || '127.0.0.1';
server.listen(Number(env.PORT ?? 0), host, () => {
  const addr = server.address();
  console.log(`${service} v${version} (${instance}) listening on ${host}:${typeof addr === 'object' && addr ? addr.port : '?'}`);
});

process.on('SIGTERM', () => {
  console.log('SIGTERM: finishing in-flight requests');
  server.close(() => process.exit(0));
  server.closeIdleConnections();
});
