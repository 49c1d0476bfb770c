import type { ComponentProps } from 'react';

const VARIANTS = {
  primary: 'bg-zinc-900 text-white hover:bg-zinc-700 dark:bg-zinc-100 dark:text-zinc-900 dark:hover:bg-white',
  danger: 'bg-red-700 text-white hover:bg-red-600',
  /** Undo-like actions (Roll back): stand out without reading as destruction. */
  warning: 'bg-amber-50 text-amber-900 ring-1 ring-inset ring-amber-400 hover:bg-amber-100 dark:bg-amber-500/10 dark:text-amber-200 dark:ring-amber-500/50 dark:hover:bg-amber-500/20',
  secondary: 'bg-white text-zinc-900 ring-1 ring-inset ring-zinc-300 hover:bg-zinc-50 dark:bg-zinc-900 dark:text-zinc-100 dark:ring-zinc-700 dark:hover:bg-zinc-800',
  ghost: 'text-zinc-700 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800',
} as const;

export function Button({ variant = 'secondary', size = 'md', className = '', ...rest }: ComponentProps<'button'> & { variant?: keyof typeof VARIANTS; size?: 'sm' | 'md' }) {
  const pad = size === 'sm' ? 'px-2 py-1 text-xs' : 'px-3 py-1.5 text-sm';
  return (
    <button
      type="button"
      {...rest}
      className={`inline-flex items-center justify-center gap-1 rounded-md font-medium shadow-sm transition-colors disabled:cursor-not-allowed disabled:opacity-50 ${pad} ${VARIANTS[variant]} ${className}`}
    />
  );
}
