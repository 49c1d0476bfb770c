/**
 * Webhook alerts when canary analysis fails. Sent AFTER the failure is committed, never
 * before; a slow or broken receiver never delays the revert (the orchestrator does not await
 * delivery). Two shapes:
 *  - json:  Flightdeck's own payload (below), for programs;
 *  - slack: `{text, blocks}`, accepted by Slack incoming webhooks and compatible receivers
 *           (Mattermost, Rocket.Chat, Discord's /slack endpoint).
 */
import type { Webhook } from '../engine';
import type { Clock } from '../clock';
import type { Db } from '../db/client';
import { appendEvents } from '../events/append';

export interface AnalysisAlert {
  event: 'canary_analysis_failed';
  deploymentId: string;
  service: string;
  version: string;
  baselineVersion: string | null;
  reason: string;
  metric: string | null;
  canary: number | null;
  baseline: number | null;
  canaryN: number | null;
  baselineN: number | null;
  pValue: number | null;
  elapsedSeconds: number;
  windowSeconds: number;
  at: string;
}

export function slackPayload(a: AnalysisAlert) {
  const text = `:rotating_light: Canary of ${a.service} v${a.version} failed analysis and was rolled back to ${a.baselineVersion ? `v${a.baselineVersion}` : 'nothing'}: ${a.reason}`;
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      {
        type: 'context',
        elements: [
          { type: 'mrkdwn', text: `deployment \`${a.deploymentId}\` · metric *${a.metric ?? 'n/a'}* · after ${Math.round(a.elapsedSeconds)} s of a ${a.windowSeconds} s window` },
        ],
      },
    ],
  };
}

export interface AlertResult {
  url: string;
  format: Webhook['format'];
  ok: boolean;
  status: number | null;
  error?: string;
}

export async function sendAlerts(webhooks: Webhook[], alert: AnalysisAlert, timeoutMs = 5000): Promise<AlertResult[]> {
  return Promise.all(
    webhooks.map(async (w): Promise<AlertResult> => {
      try {
        const res = await fetch(w.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'flightdeck' },
          body: JSON.stringify(w.format === 'slack' ? slackPayload(alert) : alert),
          signal: AbortSignal.timeout(timeoutMs),
        });
        await res.arrayBuffer().catch(() => undefined);
        return { url: w.url, format: w.format, ok: res.ok, status: res.status };
      } catch (e) {
        return { url: w.url, format: w.format, ok: false, status: null, error: (e as Error).message };
      }
    }),
  );
}

/**
 * An alerter for the orchestrator: sends without blocking the caller (a slow or broken receiver
 * never delays a revert), then puts the outcome of every delivery on the deployment's timeline.
 */
export function alerter(db: Db, clock: Clock, log?: (m: string) => void) {
  return (webhooks: Webhook[], alert: AnalysisAlert): void => {
    if (webhooks.length === 0) return;
    void sendAlerts(webhooks, alert).then(
      (results) => {
        const failed = results.filter((r) => !r.ok);
        const message = `Alerted ${results.length - failed.length} of ${results.length} webhook(s)${
          failed.length ? `; failed: ${failed.map((r) => `${r.url} (${r.error ?? r.status})`).join(', ')}` : ''
        }`;
        return db
          .$transaction((tx) => appendEvents(tx, alert.deploymentId, [{ type: 'alert_sent', message, data: { results } }], 'flightdeck', new Date(clock.now())))
          .catch((e: unknown) => log?.(`recording webhook results for ${alert.deploymentId} failed: ${String(e)}`));
      },
      (e: unknown) => log?.(`webhooks for ${alert.deploymentId} failed: ${String(e)}`),
    );
  };
}
