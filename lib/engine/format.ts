/**
 * How the engine writes numbers into the reasons people read (timeline, analysis verdicts).
 * A leaf module: it imports nothing.
 */

/** 0.052 → "5.2%", 0.001 → "0.1%", 0.00125 → "0.13%". */
export function formatRate(rate: number | null): string {
  return rate === null ? 'n/a' : `${Number((rate * 100).toFixed(2))}%`;
}

/** 3.1e-12 → "3e-12", 0.2134 → "0.21"; an underflowed 0 → "<1e-300". */
export function formatPValue(p: number | null): string {
  if (p === null) return 'n/a';
  if (p === 0) return '<1e-300';
  if (p < 0.001) return p.toExponential(0);
  return String(Number(p.toPrecision(2)));
}
