'use client';

import { useMemo, useState } from 'react';
import { useRouter } from 'next/navigation';
import { useQueryClient } from '@tanstack/react-query';
import { deployAction } from '@/app/actions';
import type { createDeployment } from '@/lib/services';
import { STRATEGIES, type StrategyName } from '@/lib/engine/constants';
import type { DeploymentParamsInput } from '@/lib/engine/deployment-params';
import { GateList, gatesPass } from './gates';
import { Button } from '../ui/button';
import { Dialog } from '../ui/dialog';
import { InlineError } from '../ui/states';
import { Badge } from '../ui/badge';
import { useMay } from '../auth/permissions';
import { effectiveValues, STRATEGY_OPTIONS, type ParamField } from './param-fields';

type VersionOption = { version: string; bad: boolean; live: boolean };
type DryRun = Extract<Awaited<ReturnType<typeof createDeployment>>, { dryRun: true }>;
/** The service's settings that decide what an empty field runs with. */
type ServiceDefaults = DeploymentParamsInput['service'];

/** A number when the text is one; otherwise the text itself, so the server's error names what was typed. */
function num(raw: string): number | string {
  const n = Number(raw);
  return raw.trim() !== '' && Number.isFinite(n) ? n : raw;
}

/** The typed text of a field as the value the API takes; undefined when the field is left empty. */
function valueOf(f: ParamField, raw: string | undefined): unknown {
  if (raw === undefined || raw.trim() === '') return undefined;
  if (f.input === 'boolean') return raw === 'true';
  if (f.input === 'weights') return raw.split(/[\s,]+/).filter(Boolean).map(num);
  return num(raw.trim());
}

function fmtRange(r: { min: number; max: number }): string {
  const f = (s: number) => (s >= 120 ? `${Math.round(s / 60)} min` : `${Math.round(s)} s`);
  return r.min === r.max ? f(r.min) : `${f(r.min)}–${f(r.max)}`;
}

/** Deploy: choose version, strategy and parameters; see the plan and its preflight; then confirm. */
export function DeployDialog({ service, environment, versions, defaults }: { service: string; environment?: string; versions: VersionOption[]; defaults: ServiceDefaults }) {
  const [override, setOverride] = useState('');
  const router = useRouter();
  const qc = useQueryClient();
  const candidates = versions.filter((v) => !v.live);
  const [open, setOpen] = useState(false);
  const [version, setVersion] = useState(candidates.find((v) => !v.bad)?.version ?? candidates[0]?.version ?? '');
  const [strategy, setStrategy] = useState<StrategyName>((STRATEGIES as readonly string[]).includes(defaults.defaultStrategy) ? (defaults.defaultStrategy as StrategyName) : 'rolling');
  const [fields, setFields] = useState<Record<string, string>>({});
  const [extra, setExtra] = useState('');
  const [force, setForce] = useState(false);
  const [plan, setPlan] = useState<DryRun | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const may = useMay('deployer', service);

  const option = STRATEGY_OPTIONS.find((o) => o.name === strategy)!;
  const effective = useMemo(() => effectiveValues(strategy, defaults), [strategy, defaults]);

  /** The request's params and analysis override; null (with the error shown) when the JSON is not an object. */
  const request = (): { params: Record<string, unknown>; analysis?: unknown } | null => {
    const params: Record<string, unknown> = {};
    for (const f of option.fields) {
      const v = valueOf(f, fields[`${strategy}.${f.key}`]);
      if (v !== undefined) params[f.key] = v;
    }
    if (!extra.trim()) return { params };
    try {
      const parsed = JSON.parse(extra) as unknown;
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('must be a JSON object');
      // An `analysis` key is the deployment's analysis config; every other key is a parameter.
      const { analysis, ...rest } = parsed as Record<string, unknown>;
      return { params: { ...params, ...rest }, ...(analysis === undefined ? {} : { analysis }) };
    } catch (e) {
      setError({ code: 'bad_request', message: `extra parameters: ${(e as Error).message}` });
      return null;
    }
  };

  const preview = async () => {
    setError(null);
    setPlan(null);
    const p = request();
    if (!p) return;
    setBusy(true);
    const r = await deployAction(service, { version, strategy, ...p, dryRun: true, force, environment });
    setBusy(false);
    if (!r.ok) setError(r.error);
    else if (r.data.dryRun) setPlan(r.data);
  };

  const confirm = async () => {
    const p = request();
    if (!p) return;
    setBusy(true);
    setError(null);
    const r = await deployAction(service, { version, strategy, ...p, force, environment, ...(override.trim() ? { override: { reason: override.trim() } } : {}) });
    setBusy(false);
    if (!r.ok) return setError(r.error);
    if (r.data.dryRun) return;
    setOpen(false);
    await qc.invalidateQueries();
    router.push(`/deployments/${r.data.deployment.id}`);
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
            <select className={input} value={strategy} onChange={(e) => change(() => setStrategy(e.target.value as StrategyName))} data-testid="deploy-strategy">
              {STRATEGY_OPTIONS.map((o) => (
                <option key={o.name} value={o.name}>
                  {o.title}
                </option>
              ))}
            </select>
          </label>
          <p className="col-span-2 text-xs text-zinc-500" data-testid="deploy-strategy-description">
            {option.description}
            {option.fields.length > 0 && ' Empty fields run with the values shown: the service’s defaults.'}
          </p>
          {option.fields.map((f) =>
            f.input === 'boolean' ? (
              <label key={f.key} className="flex items-center gap-2 self-end pb-1" title={f.help}>
                <input
                  type="checkbox"
                  checked={(fields[`${strategy}.${f.key}`] ?? effective[f.key]) === 'true'}
                  onChange={(e) => change(() => setFields({ ...fields, [`${strategy}.${f.key}`]: String(e.target.checked) }))}
                  data-testid={`deploy-param-${f.key}`}
                />
                <span>{f.label}</span>
              </label>
            ) : (
              <label key={f.key} className="space-y-1" title={f.help}>
                <span className="text-xs font-medium text-zinc-500">{f.label}</span>
                <input
                  className={input}
                  inputMode={f.input === 'number' ? 'decimal' : 'text'}
                  placeholder={effective[f.key] ?? '—'}
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
        {plan.placement && (
          <Badge tone={plan.placement.problem ? 'red' : 'green'} testId="placement">
            {plan.placement.problem
              ? `pool ${plan.placement.pool}: ${plan.placement.problem}`
              : `pool ${plan.placement.pool}: ${plan.placement.hosts.map((h) => `slot ${h.slot} → ${h.host}`).join(', ')}`}
          </Badge>
        )}
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
