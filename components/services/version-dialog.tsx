'use client';

import { useState } from 'react';
import { useRouter } from 'next/navigation';
import { createVersionAction } from '@/app/actions';
import { Button } from '../ui/button';
import { Dialog } from '../ui/dialog';
import { InlineError } from '../ui/states';
import { useMay } from '../auth/permissions';

/** KEY=value per line → an object; a line without "=" is an error naming it. */
export function parseEnvLines(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  text.split('\n').forEach((line, i) => {
    const t = line.trim();
    if (!t || t.startsWith('#')) return;
    const eq = t.indexOf('=');
    if (eq <= 0) throw new Error(`config line ${i + 1} "${t}" is not KEY=value`);
    out[t.slice(0, eq).trim()] = t.slice(eq + 1).trim();
  });
  return out;
}

/** Register an immutable version: semver, config (environment), notes. */
export function VersionDialog({ service, requiredKeys }: { service: string; requiredKeys: string[] }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [version, setVersion] = useState('');
  const [config, setConfig] = useState(requiredKeys.map((k) => `${k}=`).join('\n'));
  const [notes, setNotes] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const may = useMay('deployer', service);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    let parsed: Record<string, string>;
    try {
      parsed = parseEnvLines(config);
    } catch (err) {
      return setError({ code: 'bad_request', message: (err as Error).message });
    }
    setBusy(true);
    const r = await createVersionAction(service, { version, config: parsed, notes });
    setBusy(false);
    if (!r.ok) return setError(r.error);
    setOpen(false);
    setVersion('');
    router.refresh();
  };
  const input = 'w-full rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-950';
  if (!may) return null;
  return (
    <>
      <Button onClick={() => setOpen(true)} data-testid="version-open">
        Register version…
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)} title={`Register a version of ${service}`} testId="version-dialog">
        <form onSubmit={submit} className="space-y-3 text-sm">
          <label className="block space-y-1">
            <span className="text-xs font-medium text-muted">Version (semver)</span>
            <input className={`${input} font-mono`} value={version} onChange={(e) => setVersion(e.target.value)} placeholder="2.4.0" required data-testid="version-semver" />
          </label>
          <label className="block space-y-1">
            <span className="text-xs font-medium text-muted">Config, one KEY=value per line{requiredKeys.length ? ` (required: ${requiredKeys.join(', ')})` : ''}</span>
            <textarea className={`${input} h-24 font-mono`} value={config} onChange={(e) => setConfig(e.target.value)} data-testid="version-config" />
          </label>
          <label className="block space-y-1">
            <span className="text-xs font-medium text-muted">Notes</span>
            <input className={input} value={notes} onChange={(e) => setNotes(e.target.value)} />
          </label>
          <InlineError error={error} />
          <div className="flex justify-end gap-2">
            <Button onClick={() => setOpen(false)}>Cancel</Button>
            <Button type="submit" variant="primary" disabled={busy} data-testid="version-submit">
              {busy ? 'Registering…' : 'Register'}
            </Button>
          </div>
        </form>
      </Dialog>
    </>
  );
}
