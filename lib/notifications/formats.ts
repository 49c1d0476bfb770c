/**
 * The body each target gets:
 *  - json:     Flightdeck's own payload, for programs;
 *  - slack:    `{text, blocks}`, accepted by Slack incoming webhooks and compatible receivers
 *              (Mattermost, Rocket.Chat, Discord's /slack endpoint);
 *  - template: the subscription's own body with {{field}} (or {{details.field}}) filled in —
 *              JSON-escaped when the template is a JSON document, as-is otherwise.
 */
export const FORMATS = ['json', 'slack', 'template'] as const;
export type Format = (typeof FORMATS)[number];

/** Every payload carries a sentence for people; the rest is for programs. */
export interface Payload {
  event: string;
  summary: string;
  deploymentId: string | null;
  service: string;
  [key: string]: unknown;
}

const ICONS: Record<string, string> = {
  failed: ':x:',
  aborted: ':octagonal_sign:',
  rolled_back: ':rewind:',
  paused: ':double_vertical_bar:',
  gate_refused: ':no_entry:',
  lease_broken: ':unlock:',
  rollback_hook_failed: ':warning:',
  canary_analysis_failed: ':rotating_light:',
};

export function slackBody(p: Payload) {
  const text = `${ICONS[p.event] ?? ':bell:'} ${p.summary}`;
  const where = [p.deploymentId ? `deployment \`${p.deploymentId}\`` : null, `service *${p.service}*`, typeof p.environment === 'string' ? `in ${p.environment}` : null]
    .filter(Boolean)
    .join(' · ');
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }, { type: 'context', elements: [{ type: 'mrkdwn', text: where }] }] };
}

function lookup(p: Payload, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), p);
}

export function templateBody(template: string, p: Payload): { body: string; contentType: string } {
  const json = /^\s*[[{]/.test(template);
  const body = template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_w, path: string) => {
    const v = lookup(p, path);
    const text = v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    return json ? JSON.stringify(text).slice(1, -1) : text;
  });
  return { body, contentType: json ? 'application/json' : 'text/plain; charset=utf-8' };
}

export function render(format: string, template: string | null, p: Payload): { body: string; contentType: string } {
  if (format === 'slack') return { body: JSON.stringify(slackBody(p)), contentType: 'application/json' };
  if (format === 'template' && template) return templateBody(template, p);
  return { body: JSON.stringify(p), contentType: 'application/json' };
}
