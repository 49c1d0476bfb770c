export function Progress({ step, total, tone = 'sky' }: { step: number; total: number; tone?: 'sky' | 'red' | 'emerald' }) {
  const p = total > 0 ? Math.min(100, Math.round((step / total) * 100)) : 0;
  const bar = tone === 'red' ? 'bg-red-500' : tone === 'emerald' ? 'bg-emerald-500' : 'bg-sky-500';
  return (
    <div className="my-1 flex items-center gap-2">
      <div className="h-1.5 w-full overflow-hidden rounded bg-zinc-200 dark:bg-zinc-800" role="progressbar" aria-label={`step ${step} of ${total}`} aria-valuemin={0} aria-valuemax={total} aria-valuenow={step}>
        <div className={`h-full ${bar}`} style={{ width: `${p}%` }} />
      </div>
      <span className="shrink-0 text-xs tabular-nums text-muted">
        {step}/{total}
      </span>
    </div>
  );
}
