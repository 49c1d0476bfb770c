'use client';

import type { TimelineEvent } from '../realtime/use-timeline';
import { Section } from '../ui/states';

/** Canary analysis as the timeline records it (replaced by the analysis API's series when available). */
export function CanaryPanel({ events }: { deploymentId: string; active: boolean; events: TimelineEvent[] }) {
  const analysis = events.filter((e) => e.type.startsWith('analysis'));
  const last = analysis[analysis.length - 1];
  return (
    <Section title="Canary analysis" testId="canary-panel">
      {last ? <p className="text-sm" data-testid="canary-verdict">{last.message}</p> : <p className="text-sm text-zinc-500">No analysis yet.</p>}
    </Section>
  );
}
