import type { ReactNode } from 'react';

/**
 * A table that may be wider (or taller) than its place scrolls in a region of its own, which a
 * keyboard can reach and a screen reader names (axe: scrollable-region-focusable).
 */
export function ScrollRegion({ label, className = 'overflow-x-auto', children }: { label: string; className?: string; children: ReactNode }) {
  return (
    <div className={className} tabIndex={0} role="region" aria-label={label}>
      {children}
    </div>
  );
}
