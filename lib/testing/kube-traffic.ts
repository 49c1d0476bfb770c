/**
 * Users of the services in the API server double: a steady load per service (requests per
 * second) split the way the cluster would split it at each moment — by the HTTPRoute's weights
 * through a Gateway, or by the ratio of ready pods behind the stable Service without one — and
 * failing at each version's DEMO_ERROR_RATE. The split is re-read whenever an object of the
 * service changes, stamped with the test's clock, so the counters it gives (per version,
 * exact, never decreasing) are what an application's http_requests_total and Istio's
 * istio_requests_total would have counted. A fake Prometheus serves them.
 */
import type { Clock } from '../clock';
import type { KubeApiServer } from './kube-apiserver';
import type { Sample } from './fake-prometheus';

const SERVICE = 'flightdeck.dev/service';
const VERSION = 'flightdeck.dev/version';
const VERSION_ID = 'flightdeck.dev/version-id';

interface Segment {
  at: number;
  rps: number;
  /** Share of requests per version id (sums to 1, or empty when nothing serves). */
  shares: Record<string, number>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- objects of the double are untyped JSON
type Obj = any;

export class ClusterTraffic {
  private readonly load = new Map<string, number>();
  private readonly history = new Map<string, Segment[]>();

  constructor(
    private readonly api: KubeApiServer,
    private readonly clock: Clock,
    private readonly namespace: string,
    private readonly gateway: boolean,
  ) {
    api.store.subscribe((e) => {
      const service = e.object?.metadata?.labels?.[SERVICE];
      if (service && e.namespace === namespace) this.observe(service);
    });
  }

  setLoad(service: string, rps: number): void {
    this.load.set(service, rps);
    this.observe(service);
  }

  private ready(pod: Obj): boolean {
    return !pod.metadata.deletionTimestamp && pod.status?.conditions?.some((c: Obj) => c.type === 'Ready' && c.status === 'True');
  }

  /** How the cluster splits the service's requests right now. */
  split(service: string): Record<string, number> {
    const pods = this.api.pods(this.namespace, `${SERVICE}=${service}`).filter((p) => this.ready(p));
    const readyVersions = new Set(pods.map((p) => p.metadata.labels[VERSION_ID]));
    const weights: Record<string, number> = {};
    if (this.gateway) {
      const route = this.api.get('httproutes', this.namespace, service);
      for (const b of route?.spec?.rules?.[0]?.backendRefs ?? []) {
        const id = this.api.get('services', this.namespace, b.name)?.metadata.labels?.[VERSION_ID];
        if (id && readyVersions.has(id) && b.weight > 0) weights[id] = (weights[id] ?? 0) + b.weight;
      }
    } else {
      const selector: Record<string, string> = this.api.get('services', this.namespace, service)?.spec?.selector ?? {};
      for (const p of pods) {
        if (Object.entries(selector).every(([k, v]) => p.metadata.labels?.[k] === v)) weights[p.metadata.labels[VERSION_ID]] = (weights[p.metadata.labels[VERSION_ID]] ?? 0) + 1;
      }
    }
    const total = Object.values(weights).reduce((a, b) => a + b, 0);
    return total > 0 ? Object.fromEntries(Object.entries(weights).map(([id, w]) => [id, w / total])) : {};
  }

  private observe(service: string): void {
    const seg: Segment = { at: this.clock.now(), rps: this.load.get(service) ?? 0, shares: this.split(service) };
    const list = this.history.get(service) ?? [];
    const last = list.at(-1);
    if (last && last.rps === seg.rps && JSON.stringify(last.shares) === JSON.stringify(seg.shares)) return;
    if (last && last.at === seg.at) list.pop();
    list.push(seg);
    this.history.set(service, list);
  }

  /** Requests version `versionId` of `service` had received by `atMs`. */
  requests(service: string, versionId: string, atMs: number): number {
    const list = this.history.get(service) ?? [];
    let n = 0;
    list.forEach((s, i) => {
      const end = Math.min(list[i + 1]?.at ?? Infinity, atMs);
      if (end > s.at) n += (s.rps * (s.shares[versionId] ?? 0) * (end - s.at)) / 1000;
    });
    return n;
  }

  /** The version a request of `service` arriving at `atMs` reaches, for a uniform `pick` in [0, 1). */
  versionFor(service: string, atMs: number, pick: number): string | null {
    const seg = (this.history.get(service) ?? []).filter((s) => s.at <= atMs).at(-1);
    let acc = 0;
    for (const [id, share] of Object.entries(seg?.shares ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
      acc += share;
      if (pick < acc) return id;
    }
    return null;
  }

  private versionFacts(versionId: string): { label: string; errorRate: number } | null {
    const d = this.api.store.list('deployments', this.namespace, `${VERSION_ID}=${versionId}`)[0];
    if (!d) return null;
    const env: Array<{ name: string; value: string }> = d.spec.template.spec.containers[0].env ?? [];
    return { label: d.metadata.labels[VERSION], errorRate: Number(env.find((e) => e.name === 'DEMO_ERROR_RATE')?.value ?? 0) || 0 };
  }

  /** The counters a Prometheus scraping every pod (and Istio's proxies) would hold at `atMs`. */
  series(metric: string, atMs: number): Sample[] {
    const out: Sample[] = [];
    for (const [service, list] of this.history) {
      const ids = new Set(list.filter((s) => s.at <= atMs && s.rps > 0).flatMap((s) => Object.keys(s.shares)));
      for (const id of ids) {
        const facts = this.versionFacts(id);
        if (!facts) continue;
        const total = this.requests(service, id, atMs);
        const errors = total * facts.errorRate;
        const counts: Array<[string, number]> = [['200', total - errors], ...(facts.errorRate > 0 ? ([['500', errors]] as Array<[string, number]>) : [])];
        for (const [code, value] of counts) {
          if (metric === 'http_requests_total') out.push({ labels: { namespace: this.namespace, service, version: facts.label, version_id: id, code }, value });
          if (metric === 'istio_requests_total') {
            out.push({
              labels: { reporter: 'destination', destination_workload_namespace: this.namespace, destination_app: service, destination_version: facts.label, response_code: code },
              value,
            });
          }
        }
      }
    }
    return out;
  }
}
