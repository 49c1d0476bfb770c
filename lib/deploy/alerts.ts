/**
 * Webhook alerts when canary analysis fails. Sent AFTER the failure is committed, never
 * before; a slow or broken receiver never delays the revert (the orchestrator does not await
 * delivery). Two shapes:
 *  - json:  Flightdeck's own payload (below), for programs;
 *  - slack: `{text, blocks}`, accepted by Slack incoming webhooks and compatible receivers
 *           (Mattermost, Rocket.Chat, Discord's /slack endpoint).
 */
import type { Webhook } from '../engine/analysis';

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
