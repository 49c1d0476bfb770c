const TONES = {
  green: 'bg-emerald-100 text-emerald-800 ring-emerald-600/20 dark:bg-emerald-500/15 dark:text-emerald-300 dark:ring-emerald-400/30',
  red: 'bg-red-100 text-red-800 ring-red-600/20 dark:bg-red-500/15 dark:text-red-300 dark:ring-red-400/30',
  amber: 'bg-amber-100 text-amber-900 ring-amber-600/20 dark:bg-amber-500/15 dark:text-amber-300 dark:ring-amber-400/30',
  blue: 'bg-sky-100 text-sky-800 ring-sky-600/20 dark:bg-sky-500/15 dark:text-sky-300 dark:ring-sky-400/30',
  violet: 'bg-violet-100 text-violet-800 ring-violet-600/20 dark:bg-violet-500/15 dark:text-violet-300 dark:ring-violet-400/30',
  zinc: 'bg-zinc-100 text-zinc-700 ring-zinc-500/20 dark:bg-zinc-500/15 dark:text-zinc-300 dark:ring-zinc-400/30',
} as const;

export type Tone = keyof typeof TONES;

export function Badge({ tone = 'zinc', children, testId, title }: { tone?: Tone; children: React.ReactNode; testId?: string; title?: string }) {
  return (
    <span data-testid={testId} title={title} className={`inline-flex items-center gap-1 whitespace-nowrap rounded px-1.5 py-0.5 text-xs font-medium ring-1 ring-inset ${TONES[tone]}`}>
      {children}
    </span>
  );
}

const STATE_TONE: Record<string, Tone> = {
  awaiting_approval: 'violet',
  queued: 'zinc',
  running: 'blue',
  paused: 'violet',
  succeeded: 'green',
  failed: 'red',
  aborted: 'amber',
  healthy: 'green',
  serving: 'green',
  degraded: 'amber',
  starting: 'blue',
  'out-of-rotation': 'zinc',
  warm: 'violet',
  'previous good': 'zinc',
  'never deployed': 'zinc',
  down: 'red',
  exited: 'red',
  bad: 'red',
  live: 'green',
  idle: 'zinc',
  unknown: 'zinc',
};

/** A state as people read it: lower case words, never an identifier ("awaiting approval", not "awaiting_approval"). */
export function stateWord(state: string): string {
  return state.replace(/[_-]+/g, ' ');
}

export function StateBadge({ state, testId }: { state: string; testId?: string }) {
  return (
    <Badge tone={STATE_TONE[state] ?? 'zinc'} testId={testId}>
      {stateWord(state)}
    </Badge>
  );
}
