'use client';

import { useQuery } from '@tanstack/react-query';
import type { InstanceView } from '@/lib/services/instances';
import { getJson } from '../ui/api';

type Instances = { available: boolean; instances: InstanceView[] };

/** The router's current split by version, read from the runtime (not from the plan). */
export function TrafficSplit({ service, from, to }: { service: string; from: string | null; to: string }) {
  const q = useQuery({ queryKey: ['instances', service, 3], queryFn: () => getJson<Instances & { service: string }>(`/api/v1/services/${service}/instances?lines=3`), refetchInterval: 2000 });
  const byVersion = new Map<string, number>();
  for (const i of q.data?.instances ?? []) byVersion.set(i.version, (byVersion.get(i.version) ?? 0) + i.weight);
  const total = [...byVersion.values()].reduce((a, b) => a + b, 0);
  const share = (v: string | null) => (v && total > 0 ? Math.round(((byVersion.get(v) ?? 0) / total) * 100) : 0);
  const newP = share(to);
  const oldP = from === to ? 0 : share(from);
  const other = total > 0 ? 100 - newP - oldP : 0;
  return (
    <div data-testid="traffic-split" aria-label={`traffic: v${to} ${newP} %, ${from ? `v${from} ${oldP} %` : ''}`}>
      <div className="flex h-6 w-full overflow-hidden rounded bg-zinc-200 text-xs font-medium text-white dark:bg-zinc-800">
        {oldP > 0 && (
          <div className="flex items-center justify-center bg-zinc-500" style={{ width: `${oldP}%` }}>
            v{from} {oldP} %
          </div>
        )}
        {newP > 0 && (
          <div className="flex items-center justify-center bg-sky-600" style={{ width: `${newP}%` }}>
            v{to} {newP} %
          </div>
        )}
        {other > 0 && <div className="bg-amber-500" style={{ width: `${other}%` }} title="other versions" />}
        {total === 0 && <div className="flex w-full items-center justify-center text-zinc-500">{q.isPending ? 'reading the router…' : 'no traffic routed'}</div>}
      </div>
    </div>
  );
}
