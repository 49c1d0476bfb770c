/**
 * Requests and errors per version on Kubernetes, read from Prometheus: the cluster has no router
 * of Flightdeck's own to count them. Two instant queries per version (requests, 5xx errors) over
 * the window, templated with {{service}}, {{namespace}}, {{version}} (the version's label value
 * on its pods), {{versionId}} and {{window}} ("300s"). A version Prometheus has no series for is
 * left out (no data), and a Prometheus that cannot answer gives no data at all: canary analysis
 * then lacks samples and stays inconclusive, never a pass.
 */
import { promQuery } from '../../metrics/prometheus';
import type { VersionTraffic } from '../types';

export interface PrometheusSettings {
  /** Base URL of the Prometheus HTTP API, e.g. http://prometheus.monitoring:9090 */
  address: string;
  /** PromQL for the number of requests a version served over {{window}}. */
  requests?: string;
  /** PromQL for the number of those that failed with a 5xx. */
  errors?: string;
  timeoutMs?: number;
}

/**
 * The application's own counter, with the pod labels Flightdeck sets mapped onto its series by
 * the scrape configuration (flightdeck.dev/service → service, flightdeck.dev/version-id →
 * version_id; the namespace as namespace).
 */
export const APP_REQUESTS_QUERY = 'sum(increase(http_requests_total{namespace="{{namespace}}",service="{{service}}",version_id="{{versionId}}"}[{{window}}]))';
export const APP_ERRORS_QUERY = 'sum(increase(http_requests_total{namespace="{{namespace}}",service="{{service}}",version_id="{{versionId}}",code=~"5.."}[{{window}}]))';

/**
 * Istio (a Gateway API implementation) counts every request at the destination's proxy and
 * labels it with the pod's app.kubernetes.io/name and app.kubernetes.io/version labels, which
 * Flightdeck sets on every pod.
 */
export const ISTIO_REQUESTS_QUERY =
  'sum(increase(istio_requests_total{reporter="destination",destination_workload_namespace="{{namespace}}",destination_app="{{service}}",destination_version="{{version}}"}[{{window}}]))';
export const ISTIO_ERRORS_QUERY =
  'sum(increase(istio_requests_total{reporter="destination",destination_workload_namespace="{{namespace}}",destination_app="{{service}}",destination_version="{{version}}",response_code=~"5.."}[{{window}}]))';

export interface CountedVersion {
  versionId: string;
  /** The version's label value on its pods (flightdeck.dev/version, app.kubernetes.io/version). */
  versionLabel: string;
}

export function fillQuery(query: string, values: Record<string, string>): string {
  return query.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, key: string) => values[key] ?? whole);
}

export async function countsFromPrometheus(
  settings: PrometheusSettings,
  where: { service: string; namespace: string; versions: CountedVersion[]; fromMs: number; toMs: number },
): Promise<Record<string, VersionTraffic>> {
  if (where.toMs <= where.fromMs) return {};
  const window = `${Math.max(1, Math.round((where.toMs - where.fromMs) / 1000))}s`;
  const ask = (query: string, v: CountedVersion) =>
    promQuery(settings.address, fillQuery(query, { service: where.service, namespace: where.namespace, version: v.versionLabel, versionId: v.versionId, window }), where.toMs, {
      timeoutMs: settings.timeoutMs ?? 5000,
    });
  const out: Record<string, VersionTraffic> = {};
  await Promise.all(
    where.versions.map(async (v) => {
      try {
        const requests = await ask(settings.requests ?? APP_REQUESTS_QUERY, v);
        if (requests === null) return;
        // No 5xx series at all means none failed: the request count says the version was measured.
        const errors = (await ask(settings.errors ?? APP_ERRORS_QUERY, v)) ?? 0;
        // increase() extrapolates to the window's edges; counts are whole requests.
        const n = Math.max(0, Math.round(requests));
        const e = Math.min(n, Math.max(0, Math.round(errors)));
        out[v.versionId] = { requests: n, errors: e, serverErrors: e };
      } catch {
        /* Prometheus could not answer for this version: no data */
      }
    }),
  );
  return out;
}

/** Canary analysis (a `prometheus` metric, kind error_rate): the share of 5xx over the window, from the application's own counter. */
export const APP_ERROR_RATE_QUERY =
  '(sum(increase(http_requests_total{service="{{service}}",version_id="{{versionId}}",code=~"5.."}[{{window}}])) or vector(0))' +
  ' / sum(increase(http_requests_total{service="{{service}}",version_id="{{versionId}}"}[{{window}}]))';

/** The same from Istio's proxies, which label requests with the pod's app.kubernetes.io/name and /version. */
export const ISTIO_ERROR_RATE_QUERY =
  '(sum(increase(istio_requests_total{reporter="destination",destination_app="{{service}}",destination_version="{{version}}",response_code=~"5.."}[{{window}}])) or vector(0))' +
  ' / sum(increase(istio_requests_total{reporter="destination",destination_app="{{service}}",destination_version="{{version}}"}[{{window}}]))';
