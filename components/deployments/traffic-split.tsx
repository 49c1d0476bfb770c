'use client';

import { useQuery } from '@tanstack/react-query';
import type { InstanceView } from '@/lib/services/instances';
import { formatPercent } from '@/lib/engine/format';
import { getJson } from '../ui/api';

type Instances = { available: boolean; instances: InstanceView[] };

/** The router's current split by version in one environment, read from the runtime (not from the plan). */
export function TrafficSplit({ service, environment, from, to }: { service: string; environment: string; from: string | null; to: string }) {
  const q = useQuery({
    queryKey: ['instances', service, environment, 3],
    queryFn: () => getJson<Instances & { service: string }>(`/api/v1/services/${service}/instances?lines=3&environment=${encodeURIComponent(environment)}`),
    refetchInterval: 2000,
  });
  const byVersion = new Map<string, number>();
  for (const i of q.data?.instances ?? []) byVersion.set(i.version, (byVersion.get(i.version) ?? 0) + i.weight);
  const total = [...byVersion.values()].reduce((a, b) => a + b, 0);
  const share = (v: string | null) => (v && total > 0 ? Math.round(((byVersion.get(v) ?? 0) / total) * 100) : 0);
  const newP = share(to);
  const oldP = from === to ? 0 : share(from);
  const other = total > 0 ? 100 - newP - oldP : 0;
  const label = total === 0 ? 'no traffic routed' : [oldP > 0 ? `v${from} ${formatPercent(oldP)}` : null, newP > 0 ? `v${to} ${formatPercent(newP)}` : null, other > 0 ? `other versions ${formatPercent(other)}` : null].filter(Boolean).join(', ');
  return (
    <div data-testid="traffic-split" role="img" aria-label={`traffic now: ${label}`}>
      <div className="flex h-6 w-full overflow-hidden rounded bg-zinc-200 text-xs font-medium text-white dark:bg-zinc-800">
        {oldP > 0 && (
          <div className="flex items-center justify-center truncate bg-zinc-600" style={{ width: `${oldP}%` }}>
            v{from} {formatPercent(oldP)}
          </div>
        )}
        {newP > 0 && (
          <div className="flex items-center justify-center truncate bg-sky-700" style={{ width: `${newP}%` }}>
            v{to} {formatPercent(newP)}
          </div>
        )}
        {other > 0 && <div className="bg-amber-600" style={{ width: `${other}%` }} title="other versions" />}
        {total === 0 && <div className="flex w-full items-center justify-center text-zinc-700 dark:text-zinc-300">{q.isPending ? 'reading the router…' : 'no traffic routed'}</div>}
      </div>
    </div>
  );
}
