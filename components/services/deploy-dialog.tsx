'use client';

import { useEffect, useMemo, useRef, useState } from 'react';
import semver from 'semver';
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
import { versionArrow } from '@/lib/panel/words';
import { ScrollRegion } from '../ui/scroll-region';

type VersionOption = { version: string; bad: boolean; badReason?: string | null; live: boolean };
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

/** Whether deploying `to` over `live` goes back to an older version. */
export function isDowngrade(live: string | null | undefined, to: string): boolean {
  return !!live && semver.valid(live) !== null && semver.valid(to) !== null && semver.lt(to, live);
}

/**
 * Deploy: choose version, strategy and parameters; see the plan, its preflight and gates; then
 * confirm with a button that says what it will do. A version marked bad is never the default,
 * the preview says it is bad, and deploying it needs an explicit "deploy anyway"; a downgrade
 * is called one.
 */
export function DeployDialog({ service, environment, versions, defaults, live }: { service: string; environment?: string; versions: VersionOption[]; defaults: ServiceDefaults; live?: string | null }) {
  const [override, setOverride] = useState('');
  const router = useRouter();
  const qc = useQueryClient();
  const candidates = versions.filter((v) => !v.live);
  const [open, setOpen] = useState(false);
  // Preselected only when safe: the newest good version that is not older than the live one. A
  // bad version or a downgrade is never chosen for you — then the dialog asks for a choice.
  const [version, setVersion] = useState(candidates.find((v) => !v.bad && !isDowngrade(live, v.version))?.version ?? '');
  const [strategy, setStrategy] = useState<StrategyName>((STRATEGIES as readonly string[]).includes(defaults.defaultStrategy) ? (defaults.defaultStrategy as StrategyName) : 'rolling');
  const [fields, setFields] = useState<Record<string, string>>({});
  const [extra, setExtra] = useState('');
  const [force, setForce] = useState(false);
  const [plan, setPlan] = useState<DryRun | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const may = useMay('deployer', service);
  const confirmRef = useRef<HTMLButtonElement>(null);
  // After a preview, the next thing to do is to confirm (or not): focus goes there.
  useEffect(() => {
    if (plan) confirmRef.current?.focus();
  }, [plan]);

  const option = STRATEGY_OPTIONS.find((o) => o.name === strategy)!;
  const chosen = versions.find((v) => v.version === version);
  const downgrade = chosen ? isDowngrade(live, chosen.version) : false;
  const waits = plan?.gates.some((g) => g.gate === 'approval' && !g.met) ?? false;
  const verb = downgrade ? 'Downgrade to' : 'Deploy';
  const confirmLabel = !plan
    ? 'Deploy'
    : `${plan.bad ? 'Deploy bad' : waits ? `Ask approval to ${verb.toLowerCase()}` : verb} v${plan.to}${plan.bad ? ' anyway' : ''} ${downgrade ? 'in' : 'to'} ${plan.environment} (${plan.preview.strategy})`;
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
    const r = await deployAction(service, { version, strategy, ...p, dryRun: true, environment });
    setBusy(false);
    if (!r.ok) setError(r.error);
    else if (r.data.dryRun) setPlan(r.data);
  };

  const confirm = async () => {
    const p = request();
    if (!p) return;
    setBusy(true);
    setError(null);
    const r = await deployAction(service, { version, strategy, ...p, force: force && !!chosen?.bad, environment, ...(override.trim() ? { override: { reason: override.trim() } } : {}) });
    setBusy(false);
    if (!r.ok) return setError(r.error);
    if (r.data.dryRun) return;
    setOpen(false);
    void qc.invalidateQueries();
    router.push(`/deployments/${r.data.deployment.id}`);
  };

  const change = (fn: () => void) => {
    fn();
    setPlan(null);
    setError(null);
  };
  const input = 'w-full rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-950';

  if (!may) return null;
  return (
    <>
      <Button variant="primary" onClick={() => setOpen(true)} disabled={candidates.length === 0} data-testid="deploy-open" title={candidates.length === 0 ? 'register a version first' : undefined}>
        Deploy…
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)} title={`Deploy ${service}${environment ? ` to ${environment}` : ""}`} testId="deploy-dialog" wide>
        <div className="grid grid-cols-1 gap-3 text-sm sm:grid-cols-2">
          <label className="space-y-1">
            <span className="text-xs font-medium text-muted">Version</span>
            <select className={input} value={version} onChange={(e) => change(() => setVersion(e.target.value))} data-testid="deploy-version">
              {version === '' && <option value="">Choose a version</option>}
              {candidates.map((v) => (
                <option key={v.version} value={v.version}>
                  v{v.version}
                  {v.bad ? ' (marked bad)' : ''}
                  {isDowngrade(live, v.version) ? ' (older than live)' : ''}
                </option>
              ))}
            </select>
          </label>
          <label className="space-y-1">
            <span className="text-xs font-medium text-muted">Strategy</span>
            <select className={input} value={strategy} onChange={(e) => change(() => setStrategy(e.target.value as StrategyName))} data-testid="deploy-strategy">
              {STRATEGY_OPTIONS.map((o) => (
                <option key={o.name} value={o.name}>
                  {o.title}
                </option>
              ))}
            </select>
          </label>
          <p className="text-xs text-muted sm:col-span-2" data-testid="deploy-strategy-description">
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
                <span className="text-xs font-medium text-muted">{f.label}</span>
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
          <label className="space-y-1 sm:col-span-2">
            <span className="text-xs font-medium text-muted">More parameters (JSON object, optional)</span>
            <input className={`${input} font-mono`} placeholder='{"analysis": {…}}' value={extra} onChange={(e) => change(() => setExtra(e.target.value))} data-testid="deploy-extra" />
          </label>
          {chosen?.bad && (
            <div className="space-y-1 rounded-md border border-red-300 bg-red-50 p-2 text-red-900 sm:col-span-2 dark:border-red-500/40 dark:bg-red-500/10 dark:text-red-100" data-testid="deploy-bad-warning">
              <p>
                <strong>v{chosen.version} is marked bad</strong>
                {chosen.badReason ? `: ${chosen.badReason}` : ''}. Deploying it puts that version back in front of users.
              </p>
              <label className="flex items-center gap-2">
                <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} data-testid="deploy-force" /> Deploy v{chosen.version} anyway
              </label>
            </div>
          )}
          {downgrade && (
            <p className="rounded-md border border-amber-300 bg-amber-50 p-2 text-amber-900 sm:col-span-2 dark:border-amber-500/40 dark:bg-amber-500/10 dark:text-amber-100" data-testid="deploy-downgrade-warning">
              <strong>This is a downgrade:</strong> v{chosen!.version} is older than v{live}, live in {environment ?? 'this environment'}. To undo a bad release, Roll back instead: it also marks v{live} bad so nobody redeploys it by mistake.
            </p>
          )}
        </div>
        <InlineError error={error} />
        {plan && <PlanPreview plan={plan} badReason={chosen?.badReason ?? null} />}
        {plan && <GateList gates={plan.gates} override={override} onOverride={setOverride} />}
        <div className="mt-4 flex flex-wrap justify-end gap-2">
          <Button onClick={() => setOpen(false)}>Cancel</Button>
          <Button onClick={preview} disabled={busy || !version} data-testid="deploy-preview">
            {busy && !plan ? 'Planning…' : 'Preview plan'}
          </Button>
          <Button
            ref={confirmRef}
            variant={plan?.bad ? 'danger' : 'primary'}
            onClick={confirm}
            disabled={busy || !plan || !plan.preview.preflight.ok || !gatesPass(plan.gates, override) || (plan.bad && !force)}
            data-testid="deploy-confirm"
            title={plan?.bad && !force ? `tick “Deploy v${plan.to} anyway” first` : undefined}
          >
            {confirmLabel}
          </Button>
        </div>
      </Dialog>
    </>
  );
}

function PlanPreview({ plan, badReason }: { plan: DryRun; badReason: string | null }) {
  const p = plan.preview;
  const pf = p.preflight;
  const ok = pf.ok && !plan.bad;
  return (
    <div className="mt-4 space-y-3 text-sm" data-testid="plan-preview">
      <p>
        <strong>{versionArrow(plan.from, plan.to)}</strong>{' '}
        · {p.summary}
      </p>
      <div className="flex flex-wrap gap-2 text-xs" data-testid="preflight">
        <Badge tone={ok ? 'green' : 'red'}>{ok ? 'preflight ok' : plan.bad ? `v${plan.to} is marked bad` : 'preflight failed'}</Badge>
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
      {plan.bad && (
        <p className="text-xs text-red-800 dark:text-red-300" data-testid="preview-bad">
          v{plan.to} was marked bad{badReason ? ` (${badReason})` : ''}: the deployment needs an explicit “deploy anyway”.
        </p>
      )}
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
      <ScrollRegion label="Plan steps" className="max-h-64 overflow-auto rounded border border-zinc-200 dark:border-zinc-800">
        <table className="w-full text-xs">
          <thead className="sticky top-0 bg-zinc-50 text-left text-muted dark:bg-zinc-900">
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
                <td className="px-2 py-1 tabular-nums text-muted">{s.index}</td>
                <td className="px-2 py-1">{s.description}</td>
                <td className="px-2 py-1 text-right tabular-nums">{s.traffic.serving ? `${s.traffic.newPercent}% / ${s.traffic.oldPercent}%` : 'none serving'}</td>
                <td className="px-2 py-1 text-muted">{s.timing}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollRegion>
    </div>
  );
}
