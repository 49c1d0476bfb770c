import { loadAllYaml } from '@kubernetes/client-node';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertValidKubeObject } from '../testing/kube-apiserver/schemas';
import { k8sRender } from './k8s-render';

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await k8sRender(argv, { out: (t) => out.push(t), err: (l) => err.push(l) });
  return { code, out: out.join(''), err };
}

function docs(yaml: string): any[] {
  return loadAllYaml(yaml).filter((d) => d !== null && d !== undefined);
}

const common = ['k8s', 'render', '--service', 'payment-gateway', '--version', '2.3.0', '--image', 'registry.example.com/pay:2.3.0', '--replicas', '4', '--live', '2.2.0'];

describe('flightdeck k8s render', () => {
  it.each([
    // strategy, new replicas in the first step, the traffic it ends with (live / new)
    ['rolling', 1, [3, 1]],
    ['blue-green', 4, [100, 0]],
    ['canary', 1, [90, 10]],
  ] as const)('%s: the YAML parses and every document passes the upstream schemas', async (strategy, replicas, weights) => {
    const { code, out, err } = await run([...common, '--strategy', strategy, '--gateway', 'gateways/public:https', '--host', 'pay.example.com']);
    expect(err).toEqual([]);
    expect(code).toBe(0);
    const objects = docs(out);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Deployment/payment-gateway-2-3-0',
      'Service/payment-gateway-2-3-0',
      'Service/payment-gateway',
      'HTTPRoute/payment-gateway',
    ]);
    for (const o of objects) assertValidKubeObject(o);
    expect(objects[0].spec.replicas).toBe(replicas);
    expect(objects[0].metadata.namespace).toBe('payment-gateway');
    const route = objects[3];
    expect(route.spec.parentRefs[0]).toMatchObject({ name: 'public', namespace: 'gateways', sectionName: 'https' });
    expect(route.spec.hostnames).toEqual(['pay.example.com']);
    expect(route.spec.rules[0].backendRefs.map((b: { name: string; weight: number }) => [b.name, b.weight])).toEqual([
      ['payment-gateway-2-2-0', weights[0]],
      ['payment-gateway-2-3-0', weights[1]],
    ]);
  });

  it('without a Gateway there is no HTTPRoute, and the replica-ratio approximation is said in the output', async () => {
    const { code, out } = await run([...common, '--strategy', 'canary']);
    expect(code).toBe(0);
    const objects = docs(out);
    expect(objects.map((o) => o.kind)).toEqual(['Deployment', 'Service', 'Service']);
    for (const o of objects) assertValidKubeObject(o);
    expect(out).toMatch(/# No Gateway configured: the split 2\.2\.0 90 \/ 2\.3\.0 10 is approximated by the ratio of ready pods/);
  });

  it('a first deployment (no --live) starts every replica and routes all traffic to it', async () => {
    const { code, out } = await run(['--service', 'api', '--version', '1.0.0', '--image', 'api:1', '--replicas', '2', '--strategy', 'canary']);
    expect(code).toBe(0);
    const [deployment, , stable] = docs(out);
    expect(deployment.spec.replicas).toBe(2);
    expect(stable.spec.selector).toEqual({ 'flightdeck.dev/service': 'api', 'flightdeck.dev/version': '1.0.0' });
  });

  it.each([
    [['--version', '1.0.0', '--image', 'x:1'], /^flightdeck k8s render: missing --service$/],
    [['--service', 'api', '--version', '1.0.0', '--image', 'x:1', '--strategy', 'yolo'], /unknown strategy "yolo": use one of rolling, blue-green, canary, recreate/],
    [['--service', 'api', '--version', '1.0.0', '--image', 'x:1', '--replicas', 'three'], /--replicas must be a whole number, got "three"/],
    [['--service', 'api', '--version', '1.0.0', '--image', 'x:1', '--replicas', '0'], /replicas must be at least 1/],
    [['--service', '9lives', '--version', '1.0.0', '--image', 'x:1'], /service name "9lives" cannot name Kubernetes objects/],
    [['--service', 'api', '--version', '1.0.0', '--image', 'Not An Image'], /image: is not a container image reference/],
    [['--service', 'api', '--version', '1.0.0', '--image', 'x:1', '--gateway', 'a/b/c'], /--gateway takes \[NAMESPACE\/\]NAME\[:LISTENER\]/],
    [['--service', 'api', '--version', '1.0.0', '--image', 'x:1', '--bogus'], /Unknown option '--bogus'/],
  ])('bad input %j: one line, exit 2', async (argv, message) => {
    const { code, out, err } = await run(argv);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(message);
  });
});

/** The `flightdeck` bin as a user runs it: a separate process, no server, no cluster, no token. */
function bin(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const root = path.resolve(import.meta.dirname, '../..');
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env.FLIGHTDECK_TOKEN;
    const child = spawn(process.execPath, [path.join(root, 'lib/cli/flightdeck.mjs'), ...args], { cwd: root, env: { ...env, FLIGHTDECK_URL: 'http://127.0.0.1:1' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

describe('npx flightdeck k8s render, as a process', () => {
  it('prints the YAML of every strategy, each document valid; bad input is one line on stderr and exit 2', async () => {
    for (const strategy of ['rolling', 'blue-green', 'canary', 'recreate']) {
      const { code, out, err } = await bin([...common, '--strategy', strategy, '--gateway', 'gateways/public']);
      expect({ strategy, code, err: err.replace(/^flightdeck: compiling .*\n/gm, '') }).toEqual({ strategy, code: 0, err: '' });
      const objects = docs(out);
      expect(objects.map((o) => o.kind)).toEqual(['Deployment', 'Service', 'Service', 'HTTPRoute']);
      for (const o of objects) assertValidKubeObject(o);
      // Exactly what the command module renders: the bin adds nothing and drops nothing.
      expect(out).toBe((await run([...common, '--strategy', strategy, '--gateway', 'gateways/public'])).out);
    }
    const bad = await bin(['k8s', 'render', '--service', 'api', '--version', '1.0.0', '--image', 'Not An Image']);
    expect(bad.code).toBe(2);
    expect(bad.out).toBe('');
    expect(bad.err.trim().split('\n').at(-1)).toMatch(/^flightdeck k8s render: .*image: is not a container image reference/);
    const other = await bin(['k8s', 'apply']);
    expect(other.code).toBe(2);
    expect(other.err).toMatch(/unknown command "k8s apply": use k8s render/);
  }, 120_000);
});
