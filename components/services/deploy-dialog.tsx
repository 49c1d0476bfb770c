'use client';

import { useState } from 'react';
import { useRouter } from 'next/navigation';
import { useQueryClient } from '@tanstack/react-query';
import { deployAction } from '@/app/actions';
import type { Preview } from '@/lib/engine/preview';
import type { Gate } from '@/lib/engine/gates';
import { GateList, gatesPass } from './gates';
import { Button } from '../ui/button';
import { Dialog } from '../ui/dialog';
import { InlineError } from '../ui/states';
import { Badge } from '../ui/badge';
import { useMay } from '../auth/permissions';

type VersionOption = { version: string; bad: boolean; live: boolean };
type DryRun = { dryRun: true; service: string; environment: string; from: string | null; to: string; bad: boolean; preview: Preview; gates: Gate[] };
type Created = { dryRun: false; deployment: { id: string } };

const STRATEGIES = ['rolling', 'blue-green', 'canary', 'recreate'] as const;

const FIELDS: Record<(typeof STRATEGIES)[number], Array<{ key: string; label: string; placeholder: string; kind: 'int' | 'number' | 'weights' | 'bool' }>> = {
  rolling: [
    { key: 'batchSize', label: 'Batch size', placeholder: '1', kind: 'int' },
    { key: 'maxSurge', label: 'Max surge', placeholder: '—', kind: 'int' },
    { key: 'maxUnavailable', label: 'Max unavailable', placeholder: '—', kind: 'int' },
  ],
  'blue-green': [
    { key: 'scaleDownDelaySeconds', label: 'Scale-down delay (s)', placeholder: '30', kind: 'number' },
    { key: 'previewHold', label: 'Hold for preview', placeholder: '', kind: 'bool' },
  ],
  canary: [
    { key: 'steps', label: 'Weights (%)', placeholder: '10, 25, 50, 100', kind: 'weights' },
    { key: 'windowSeconds', label: 'Window per step (s)', placeholder: '300', kind: 'number' },
    { key: 'minSamples', label: 'Min samples', placeholder: '100', kind: 'int' },
  ],
  recreate: [],
};

/** A number when the text is one; otherwise the text itself, so the server's error names what was typed. */
function num(raw: string): number | string {
  const n = Number(raw);
  return raw.trim() !== '' && Number.isFinite(n) ? n : raw;
}

function fmtRange(r: { min: number; max: number }): string {
  const f = (s: number) => (s >= 120 ? `${Math.round(s / 60)} min` : `${Math.round(s)} s`);
  return r.min === r.max ? f(r.min) : `${f(r.min)}–${f(r.max)}`;
}

/** Deploy: choose version, strategy and parameters; see the plan and its preflight; then confirm. */
export function DeployDialog({ service, environment, versions, defaultStrategy }: { service: string; environment?: string; versions: VersionOption[]; defaultStrategy: string }) {
  const [override, setOverride] = useState('');
  const router = useRouter();
  const qc = useQueryClient();
  const candidates = versions.filter((v) => !v.live);
  const [open, setOpen] = useState(false);
  const [version, setVersion] = useState(candidates.find((v) => !v.bad)?.version ?? candidates[0]?.version ?? '');
  const [strategy, setStrategy] = useState<string>(defaultStrategy);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [extra, setExtra] = useState('');
  const [force, setForce] = useState(false);
  const [plan, setPlan] = useState<DryRun | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const may = useMay('deployer', service);

  const params = (): Record<string, unknown> | null => {
    const out: Record<string, unknown> = {};
    for (const f of FIELDS[strategy as keyof typeof FIELDS] ?? []) {
      const raw = (fields[`${strategy}.${f.key}`] ?? '').trim();
      if (f.kind === 'bool') {
        if (raw === 'true') out[f.key] = true;
        continue;
      }
      if (raw === '') continue;
      if (f.kind === 'weights') {
        out[f.key] = raw.split(/[\s,]+/).filter(Boolean).map(num);
      } else out[f.key] = num(raw);
    }
    if (extra.trim()) {
      try {
        const parsed = JSON.parse(extra) as unknown;
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('must be a JSON object');
        Object.assign(out, parsed);
      } catch (e) {
        setError({ code: 'bad_request', message: `extra parameters: ${(e as Error).message}` });
        return null;
      }
    }
    return out;
  };

  const preview = async () => {
    setError(null);
    setPlan(null);
    const p = params();
    if (!p) return;
    setBusy(true);
    const r = await deployAction(service, { version, strategy, params: p, dryRun: true, force, environment });
    setBusy(false);
    if (r.ok) setPlan(r.data as DryRun);
    else setError(r.error);
  };

  const confirm = async () => {
    const p = params();
    if (!p) return;
    setBusy(true);
    setError(null);
    const r = await deployAction(service, { version, strategy, params: p, force, environment, ...(override.trim() ? { override: { reason: override.trim() } } : {}) });
    setBusy(false);
    if (!r.ok) return setError(r.error);
    setOpen(false);
    await qc.invalidateQueries();
    router.push(`/deployments/${(r.data as Created).deployment.id}`);
  };

  const change = (fn: () => void) => {
    fn();
    setPlan(null);
    setError(null);
  };
  const input = 'w-full rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-950';
  const chosen = versions.find((v) => v.version === version);

  if (!may) return null;
  return (
    <>
      <Button variant="primary" onClick={() => setOpen(true)} disabled={candidates.length === 0} data-testid="deploy-open" title={candidates.length === 0 ? 'register a version first' : undefined}>
        Deploy…
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)} title={`Deploy ${service}${environment ? ` to ${environment}` : ""}`} testId="deploy-dialog" wide>
        <div className="grid grid-cols-2 gap-3 text-sm">
          <label className="space-y-1">
            <span className="text-xs font-medium text-zinc-500">Version</span>
            <select className={input} value={version} onChange={(e) => change(() => setVersion(e.target.value))} data-testid="deploy-version">
              {candidates.map((v) => (
                <option key={v.version} value={v.version}>
                  v{v.version}
                  {v.bad ? ' (marked bad)' : ''}
                </option>
              ))}
            </select>
          </label>
          <label className="space-y-1">
            <span className="text-xs font-medium text-zinc-500">Strategy</span>
            <select className={input} value={strategy} onChange={(e) => change(() => setStrategy(e.target.value))} data-testid="deploy-strategy">
              {STRATEGIES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          {(FIELDS[strategy as keyof typeof FIELDS] ?? []).map((f) =>
            f.kind === 'bool' ? (
              <label key={f.key} className="flex items-center gap-2 self-end pb-1">
                <input type="checkbox" checked={fields[`${strategy}.${f.key}`] === 'true'} onChange={(e) => change(() => setFields({ ...fields, [`${strategy}.${f.key}`]: String(e.target.checked) }))} />
                <span>{f.label}</span>
              </label>
            ) : (
              <label key={f.key} className="space-y-1">
                <span className="text-xs font-medium text-zinc-500">{f.label}</span>
                <input
                  className={input}
                  inputMode={f.kind === 'weights' ? 'text' : 'numeric'}
                  placeholder={f.placeholder}
                  value={fields[`${strategy}.${f.key}`] ?? ''}
                  onChange={(e) => change(() => setFields({ ...fields, [`${strategy}.${f.key}`]: e.target.value }))}
                  data-testid={`deploy-param-${f.key}`}
                />
              </label>
            ),
          )}
          <label className="col-span-2 space-y-1">
            <span className="text-xs font-medium text-zinc-500">More parameters (JSON object, optional)</span>
            <input className={`${input} font-mono`} placeholder='{"analysis": {…}}' value={extra} onChange={(e) => change(() => setExtra(e.target.value))} data-testid="deploy-extra" />
          </label>
          {chosen?.bad && (
            <label className="col-span-2 flex items-center gap-2 text-red-700 dark:text-red-400">
              <input type="checkbox" checked={force} onChange={(e) => change(() => setForce(e.target.checked))} /> v{chosen.version} is marked bad — deploy it anyway
            </label>
          )}
        </div>
        <InlineError error={error} />
        {plan && <PlanPreview plan={plan} />}
        {plan && <GateList gates={plan.gates} override={override} onOverride={setOverride} />}
        <div className="mt-4 flex justify-end gap-2">
          <Button onClick={() => setOpen(false)}>Cancel</Button>
          <Button onClick={preview} disabled={busy || !version} data-testid="deploy-preview">
            {busy && !plan ? 'Planning…' : 'Preview plan'}
          </Button>
          <Button variant="primary" onClick={confirm} disabled={busy || !plan || !plan.preview.preflight.ok || !gatesPass(plan.gates, override)} data-testid="deploy-confirm">
            {plan ? `Deploy v${plan.to} to ${plan.environment} (${plan.preview.strategy})` : 'Deploy'}
          </Button>
        </div>
      </Dialog>
    </>
  );
}

function PlanPreview({ plan }: { plan: DryRun }) {
  const p = plan.preview;
  const pf = p.preflight;
  return (
    <div className="mt-4 space-y-3 text-sm" data-testid="plan-preview">
      <p>
        <strong>
          {plan.from ? `v${plan.from}` : 'nothing'} → v{plan.to}
        </strong>{' '}
        · {p.summary}
      </p>
      <div className="flex flex-wrap gap-2 text-xs" data-testid="preflight">
        <Badge tone={pf.ok ? 'green' : 'red'}>{pf.ok ? 'preflight ok' : 'preflight failed'}</Badge>
        <Badge tone={pf.missingConfigKeys.length ? 'red' : 'green'}>{pf.missingConfigKeys.length ? `missing config: ${pf.missingConfigKeys.join(', ')}` : 'config complete'}</Badge>
        {pf.dependencies.map((d) => (
          <Badge key={d.service} tone={d.liveVersion ? 'green' : 'amber'}>
            {d.service} {d.liveVersion ? `v${d.liveVersion} live` : 'not live'}
          </Badge>
        ))}
        <Badge tone={pf.lease ? 'red' : 'green'}>{pf.lease ? `lease held by ${pf.lease.holder} until ${new Date(pf.lease.expiresAt).toLocaleTimeString()}` : 'lease free'}</Badge>
        <Badge tone="zinc">total {fmtRange(p.totalSeconds)}</Badge>
        {p.expectedDowntimeSeconds.max > 0 && <Badge tone="red">expected downtime {fmtRange(p.expectedDowntimeSeconds)}</Badge>}
        {p.waitsForHuman && <Badge tone="violet">waits for a person</Badge>}
      </div>
      {[...pf.problems, ...pf.warnings].length > 0 && (
        <ul className="list-disc pl-5 text-xs">
          {pf.problems.map((x) => (
            <li key={x} className="text-red-700 dark:text-red-400">
              {x}
            </li>
          ))}
          {pf.warnings.map((x) => (
            <li key={x} className="text-amber-700 dark:text-amber-400">
              {x}
            </li>
          ))}
        </ul>
      )}
      <div className="max-h-64 overflow-y-auto rounded border border-zinc-200 dark:border-zinc-800">
        <table className="w-full text-xs">
          <thead className="sticky top-0 bg-zinc-50 text-left text-zinc-500 dark:bg-zinc-900">
            <tr>
              <th className="px-2 py-1">#</th>
              <th className="px-2 py-1">Step</th>
              <th className="px-2 py-1 text-right">Traffic new/old</th>
              <th className="px-2 py-1">Time</th>
            </tr>
          </thead>
          <tbody>
            {p.steps.map((s) => (
              <tr key={s.index} className="border-t border-zinc-100 dark:border-zinc-800">
                <td className="px-2 py-1 tabular-nums text-zinc-500">{s.index}</td>
                <td className="px-2 py-1">{s.description}</td>
                <td className="px-2 py-1 text-right tabular-nums">{s.traffic.serving ? `${s.traffic.newPercent}/${s.traffic.oldPercent} %` : 'none serving'}</td>
                <td className="px-2 py-1 text-zinc-500">{s.timing}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
