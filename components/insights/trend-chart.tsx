/**
 * One figure's trend as a small chart: bars for counts, a line for durations and rates (gaps
 * where a bucket has nothing to measure — an empty bucket is not a zero).
 */
export function TrendChart({ label, points, format, bars, testId }: { label: string; points: Array<{ start: string; value: number | null }>; format: (v: number) => string; bars?: boolean; testId?: string }) {
  const W = 300;
  const H = 70;
  const pad = { l: 4, r: 4, t: 14, b: 14 };
  const values = points.map((p) => p.value).filter((v): v is number => v !== null);
  const max = Math.max(...values, 0) || 1;
  const step = (W - pad.l - pad.r) / Math.max(1, points.length);
  const x = (i: number) => pad.l + step * i + step / 2;
  const y = (v: number) => H - pad.b - (v / max) * (H - pad.t - pad.b);
  let d = '';
  let pen = false;
  points.forEach((p, i) => {
    if (p.value === null) {
      pen = false;
      return;
    }
    d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(p.value).toFixed(1)} `;
    pen = true;
  });
  const first = points[0]?.start.slice(5, 10);
  const last = points.at(-1)?.start.slice(5, 10);
  const described = points.filter((p) => p.value !== null).map((p) => `${p.start.slice(5, 10)} ${format(p.value!)}`);
  return (
    <svg viewBox={`0 0 ${W} ${H}`} className="w-full" role="img" aria-label={`${label} trend: ${described.join(', ') || 'no data in this window'}`} data-testid={testId}>
      <line x1={pad.l} x2={W - pad.r} y1={H - pad.b} y2={H - pad.b} className="stroke-zinc-300 dark:stroke-zinc-700" />
      {bars
        ? points.map((p, i) =>
            p.value ? <rect key={p.start} x={x(i) - Math.max(1, step * 0.35)} width={Math.max(2, step * 0.7)} y={y(p.value)} height={H - pad.b - y(p.value)} className="fill-sky-700 dark:fill-sky-400" /> : null,
          )
        : null}
      {!bars && <path d={d.trim()} fill="none" strokeWidth={1.75} className="stroke-violet-700 dark:stroke-violet-300" />}
      {!bars &&
        points.map((p, i) => (p.value === null ? null : <circle key={p.start} cx={x(i)} cy={y(p.value)} r={2} className="fill-violet-700 dark:fill-violet-300" />))}
      <text x={pad.l} y={H - 2} className="fill-zinc-600 text-[10px] dark:fill-zinc-400">
        {first}
      </text>
      <text x={W - pad.r} y={H - 2} textAnchor="end" className="fill-zinc-600 text-[10px] dark:fill-zinc-400">
        {last}
      </text>
      <text x={W - pad.r} y={9} textAnchor="end" className="fill-zinc-600 text-[10px] dark:fill-zinc-400">
        max {values.length ? format(Math.max(...values)) : '—'}
      </text>
    </svg>
  );
}
