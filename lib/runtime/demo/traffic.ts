/**
 * Demo traffic: a steady trickle of requests to each demo service's router, so the demo's
 * panel shows real request rates and error rates, and the bad canary (payment-gateway
 * v2.3.0, 5 % errors) is caught by analysis on real evidence. Loopback only; paced with a
 * timer per service; at most `rps` requests per second each, with a cap on requests in
 * flight so a slow service is not buried.
 */
import http from 'node:http';

export interface DemoTrafficOptions {
  /** requests per second per service */
  rates: Record<string, number>;
  address(service: string): Promise<string | null>;
  maxInFlight?: number;
}

export function startDemoTraffic(o: DemoTrafficOptions): { stop(): void } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const timers: NodeJS.Timeout[] = [];
  const maxInFlight = o.maxInFlight ?? 20;
  for (const [service, rps] of Object.entries(o.rates)) {
    if (!(rps > 0)) continue;
    let base: string | null = null;
    let inFlight = 0;
    let resolving = false;
    const tick = () => {
      if (!base) {
        if (resolving) return;
        resolving = true;
        o.address(service)
          .then((a) => (base = a))
          .catch(() => {})
          .finally(() => (resolving = false));
        return;
      }
      if (inFlight >= maxInFlight) return;
      inFlight++;
      let done = false;
      const finish = () => {
        if (!done) {
          done = true;
          inFlight--;
        }
      };
      const req = http.get(`${base}/demo`, { agent, timeout: 5000 }, (res) => {
        res.resume();
        res.on('end', finish);
        res.on('error', finish);
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => {
        finish();
        base = null; // the router moved or is not up yet: ask again
      });
    };
    timers.push(setInterval(tick, Math.max(1, Math.round(1000 / rps))));
  }
  return {
    stop() {
      for (const t of timers) clearInterval(t);
      agent.destroy();
    },
  };
}
