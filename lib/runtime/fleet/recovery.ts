/**
 * A fleet's hosts come and go. When one is declared unreachable its instances leave rotation
 * at once (the edge is put in line without asking any agent), and the lost instances of
 * services that ask for it (placement.onHostLoss "replace") start on other hosts of their pool.
 * When one answers again — or for the first time since this control plane started, or with a
 * restarted agent — it is not trusted blindly: it is made to run exactly what the placement
 * record puts on it (missing instances started, stale ones stopped), and what it runs enters
 * rotation only after answering a probe.
 */
import { localInstanceId } from '../local/local-runtime';
import { fleetId, type FleetCore, type FleetScope } from './scope';

export async function hostDown(scope: FleetScope, c: FleetCore, host: string): Promise<void> {
  const services = c.state.services(scope.env);
  // First out of rotation, everything at once: no agent is asked, so nothing waits on the lost host.
  await Promise.all(services.map((s) => scope.sync(c, s).catch((e) => c.log?.(`edge: ${(e as Error).message}`))));
  for (const service of services) void replaceLost(scope, c, service, host).catch((e) => c.log?.(`${scope.env}/${service}: replacing what ${host} ran failed: ${(e as Error).message}`));
}

/** Start elsewhere what a lost host ran, for a service that asks for it; routed once each answers. */
async function replaceLost(scope: FleetScope, c: FleetCore, service: string, host: string): Promise<void> {
  await scope.withService(service, async () => {
    const rec = scope.record(c, service);
    const targets = new Set<string>();
    for (const [versionId, vr] of Object.entries(rec.versions)) {
      if (vr.workload.placement?.onHostLoss !== 'replace' || !scope.lostHost(c, host)) continue;
      const lost = Object.entries(vr.slots)
        .filter(([, h]) => h === host)
        .map(([s]) => Number(s));
      if (lost.length === 0) continue;
      const placed = scope.place(c, service, versionId, vr.workload.placement, lost);
      for (const p of placed.hosts) {
        vr.slots[p.slot] = p.host;
        const local = localInstanceId(vr.workload, p.slot);
        scope.unverified.set(fleetId(local, p.host), { service, host: p.host, local, healthPath: vr.workload.healthPath });
        targets.add(p.host);
      }
      c.state.save();
      if (placed.problem) c.log?.(`${scope.env}/${service}: v${vr.workload.semver}: ${placed.problem}`);
      for (const target of new Set(placed.hosts.map((p) => p.host))) {
        const mine = Object.entries(vr.slots)
          .filter(([, h]) => h === target)
          .map(([s]) => Number(s));
        await c.monitor.client(target, scope.env).scale({ service, token: rec.fence }, vr.workload, mine, 5000);
      }
      if (placed.hosts.length) c.log?.(`${scope.env}/${service}: v${vr.workload.semver} slot(s) ${placed.hosts.map((p) => `${p.slot}→${p.host}`).join(', ')} replace what ${host} ran`);
    }
    await scope.observe(c, service);
    await scope.sync(c, service);
    for (const t of targets) void verify(scope, c, t);
  });
}

/**
 * Make `host` run what the record places on it. With `verifyFirst` (it was lost, or its agent
 * restarted) what it kept leaves rotation until it answers a probe; a host this control plane
 * merely had not heard from yet keeps serving meanwhile (a control-plane restart drops nothing).
 */
export async function reconcileHost(scope: FleetScope, c: FleetCore, host: string, verifyFirst: boolean): Promise<void> {
  const agent = c.monitor.client(host, scope.env);
  for (const service of c.state.services(scope.env)) {
    await scope.withService(service, async () => {
      const rec = scope.record(c, service);
      const fence = { service, token: rec.fence };
      const keep: Array<{ versionId: string; slot: number }> = [];
      for (const [versionId, vr] of Object.entries(rec.versions)) {
        const mine = Object.entries(vr.slots)
          .filter(([, h]) => h === host)
          .map(([s]) => Number(s));
        if (mine.length === 0) continue;
        await agent.scale(fence, vr.workload, mine, 5000);
        for (const slot of mine) {
          keep.push({ versionId, slot });
          const local = localInstanceId(vr.workload, slot);
          if (rec.table && verifyFirst) scope.unverified.set(fleetId(local, host), { service, host, local, healthPath: vr.workload.healthPath });
        }
      }
      const stopped = await agent.reconcile(fence, service, keep);
      if (stopped.length) c.log?.(`host ${host}: stopped stale ${service} instance(s) ${stopped.join(', ')}`);
      await scope.observe(c, service);
    });
  }
  void verify(scope, c, host);
}

/** Probe what awaits verification on `host`; each enters rotation once it answers (giving up after a minute). */
export async function verify(scope: FleetScope, c: FleetCore, host: string): Promise<void> {
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    const pending = [...scope.unverified].filter(([, u]) => u.host === host);
    if (pending.length === 0) return;
    for (const [id, u] of pending) {
      const ok = await c.monitor
        .client(host, scope.env)
        .probe(u.local, u.healthPath, 1000)
        .catch(() => false);
      if (!ok) continue;
      scope.unverified.delete(id);
      await scope.observe(c, u.service);
      await scope.sync(c, u.service).catch((e) => c.log?.(`edge: ${(e as Error).message}`));
    }
    await new Promise((r) => setTimeout(r, 250).unref());
  }
}
