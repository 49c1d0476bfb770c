/**
 * The service's neighbourhood as a small graph: what it depends on (left), the service
 * (middle), what depends on it (right). Deploy order runs left to right.
 */
export function DependencyGraph({ name, dependencies, dependents }: { name: string; dependencies: string[]; dependents: string[] }) {
  const rowH = 34;
  const rows = Math.max(1, dependencies.length, dependents.length);
  const h = rows * rowH + 10;
  const w = 640;
  const box = { w: 170, h: 26 };
  const colX = [10, (w - box.w) / 2, w - box.w - 10];
  const yOf = (i: number, n: number) => h / 2 - (n * rowH) / 2 + i * rowH + (rowH - box.h) / 2;
  const mid = { x: colX[1]!, y: h / 2 - box.h / 2 };
  const node = (label: string, x: number, y: number, strong = false) => (
    <g key={`${label}-${x}`}>
      <rect x={x} y={y} width={box.w} height={box.h} rx={5} className={strong ? 'fill-sky-100 stroke-sky-600 dark:fill-sky-500/20' : 'fill-white stroke-zinc-400 dark:fill-zinc-900 dark:stroke-zinc-600'} />
      <a href={`/services/${label}`}>
        <text x={x + box.w / 2} y={y + box.h / 2 + 4} textAnchor="middle" className="fill-zinc-800 text-[12px] dark:fill-zinc-200">
          {label}
        </text>
      </a>
    </g>
  );
  if (dependencies.length === 0 && dependents.length === 0) return <p className="text-sm text-muted">No dependencies, and nothing depends on {name}.</p>;
  return (
    <svg viewBox={`0 0 ${w} ${h}`} className="w-full max-w-2xl" role="img" aria-label={`${name} depends on ${dependencies.join(', ') || 'nothing'}; ${dependents.join(', ') || 'nothing'} depends on it`} data-testid="dependency-graph">
      <defs>
        <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" className="fill-zinc-500" />
        </marker>
      </defs>
      {dependencies.map((d, i) => (
        <line key={`l-${d}`} x1={colX[0]! + box.w} y1={yOf(i, dependencies.length) + box.h / 2} x2={mid.x} y2={mid.y + box.h / 2} className="stroke-zinc-400" markerEnd="url(#arrow)" />
      ))}
      {dependents.map((d, i) => (
        <line key={`r-${d}`} x1={mid.x + box.w} y1={mid.y + box.h / 2} x2={colX[2]} y2={yOf(i, dependents.length) + box.h / 2} className="stroke-zinc-400" markerEnd="url(#arrow)" />
      ))}
      {dependencies.map((d, i) => node(d, colX[0]!, yOf(i, dependencies.length)))}
      {node(name, mid.x, mid.y, true)}
      {dependents.map((d, i) => node(d, colX[2]!, yOf(i, dependents.length)))}
    </svg>
  );
}
