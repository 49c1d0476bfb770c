'use client';

import { useQuery } from '@tanstack/react-query';
import { getJson } from '../ui/api';
import { Badge } from '../ui/badge';
import { Section } from '../ui/states';
import { Ago } from '../ui/time';

type Delivery = {
  id: string;
  kind: string;
  target: string;
  format: string;
  subscription: string | null;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  maxAttempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  tries: Array<{ attempt: number; at: string; ok: boolean; status: number | null; error: string | null; durationMs: number }>;
};

const TONE = { pending: 'amber', delivered: 'green', failed: 'red' } as const;

/** Who was told about this deployment, and how each delivery attempt went (targets shown without their secrets). */
export function NotificationsPanel({ deploymentId, active }: { deploymentId: string; active: boolean }) {
  const q = useQuery({
    queryKey: ['notifications', deploymentId],
    queryFn: () => getJson<{ notifications: Delivery[] }>(`/api/v1/deployments/${deploymentId}/notifications`),
    refetchInterval: (x) => (active || x.state.data?.notifications.some((n) => n.status === 'pending') ? 5000 : false),
  });
  const list = q.data?.notifications ?? [];
  if (list.length === 0) return null;
  return (
    <Section title="Notifications" testId="notifications-section">
      <ul className="space-y-1 text-sm">
        {list.map((n) => (
          <li key={n.id} className="flex flex-wrap items-center gap-x-2" data-testid="notification">
            <Badge tone={TONE[n.status]}>{n.status}</Badge>
            <span className="font-medium">{n.kind.replaceAll('_', ' ')}</span>
            <span className="text-zinc-500">
              → {n.subscription ?? 'analysis webhook'} ({n.format}, <span className="font-mono">{n.target}</span>)
            </span>
            <span className="text-xs text-zinc-500">
              {n.attempts}/{n.maxAttempts} attempt{n.maxAttempts === 1 ? '' : 's'}
              {n.lastError && <> · last: {n.lastError}</>}
              {n.nextAttemptAt && (
                <>
                  {' '}
                  · next <Ago iso={n.nextAttemptAt} />
                </>
              )}
            </span>
            {n.tries.length > 0 && (
              <ol className="basis-full pl-4 text-xs text-zinc-500">
                {n.tries.map((t) => (
                  <li key={t.attempt}>
                    #{t.attempt} <Ago iso={t.at} /> · {t.ok ? 'ok' : 'failed'} {t.status ?? ''} {t.error && `· ${t.error}`} · {t.durationMs} ms
                  </li>
                ))}
              </ol>
            )}
          </li>
        ))}
      </ul>
    </Section>
  );
}
