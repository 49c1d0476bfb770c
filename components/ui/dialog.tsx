'use client';

import { useEffect, useRef } from 'react';

/**
 * A modal on the native <dialog>: focus moves into it, Tab stays inside, Escape closes it —
 * keyboard use for free. `open` drives showModal()/close().
 */
export function Dialog({ open, onClose, title, children, testId, wide }: { open: boolean; onClose: () => void; title: string; children: React.ReactNode; testId?: string; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      data-testid={testId}
      aria-label={title}
      onClose={onClose}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      className={`m-auto max-h-[90vh] w-[calc(100%-1.5rem)] overflow-y-auto rounded-lg border border-zinc-200 bg-white p-0 text-zinc-900 shadow-xl backdrop:bg-zinc-950/50 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100 ${wide ? 'max-w-3xl' : 'max-w-md'}`}
    >
      {open && (
        <div className="p-5 text-left">
          <h2 className="mb-3 text-base font-semibold">{title}</h2>
          {children}
        </div>
      )}
    </dialog>
  );
}
