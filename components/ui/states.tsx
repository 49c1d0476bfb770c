export function Loading({ what }: { what: string }) {
  return (
    <div role="status" aria-live="polite" className="flex items-center gap-2 rounded-md border border-dashed border-zinc-300 p-4 text-sm text-muted dark:border-zinc-700">
      {/* Only the dot pulses: fading the words would take them below a readable contrast. */}
      <span aria-hidden className="inline-block h-2 w-2 animate-pulse rounded-full bg-zinc-400 dark:bg-zinc-500" />
      Loading {what}…
    </div>
  );
}

export function Empty({ children }: { children: React.ReactNode }) {
  return <div className="rounded-md border border-dashed border-zinc-300 p-4 text-sm text-muted dark:border-zinc-700">{children}</div>;
}

export function ErrorState({ error, what }: { error: unknown; what: string }) {
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div role="alert" className="rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-800 dark:border-red-500/40 dark:bg-red-500/10 dark:text-red-300">
      Could not load {what}: {message}
    </div>
  );
}

/** An action's error in words: the message only (the code stays in data-code for tests and tools). */
export function InlineError({ error }: { error: { code: string; message: string } | null }) {
  if (!error) return null;
  return (
    <p role="alert" data-testid="action-error" data-code={error.code} className="mt-2 rounded border border-red-300 bg-red-50 px-2 py-1 text-sm text-red-800 dark:border-red-500/40 dark:bg-red-500/10 dark:text-red-300">
      {error.message.charAt(0).toUpperCase() + error.message.slice(1)}
    </p>
  );
}

export function Section({ title, children, actions, testId, id }: { title: string; children: React.ReactNode; actions?: React.ReactNode; testId?: string; id?: string }) {
  return (
    <section data-testid={testId} id={id} className="min-w-0 rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900/40">
      <header className="flex flex-wrap items-center justify-between gap-2 border-b border-zinc-200 px-4 py-2 dark:border-zinc-800">
        <h2 className="text-sm font-semibold">{title}</h2>
        {actions}
      </header>
      <div className="p-4">{children}</div>
    </section>
  );
}
