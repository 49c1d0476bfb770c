/**
 * `flightdeck k8s render --service S --version V --image I [--strategy NAME] [--replicas N]
 *                        [--live V] [--namespace NS] [--gateway [NS/]NAME[:LISTENER]] [--host H]…
 *                        [--port N] [--health-path P]`
 *
 * Prints the multi-document YAML Flightdeck would apply for the first step of that deployment,
 * with no server and no cluster. Bad input: one line on stderr, exit 2.
 */
import { parseArgs } from 'node:util';
import { renderFirstStep } from '../runtime/kubernetes/render';

export const K8S_RENDER_USAGE =
  'usage: flightdeck k8s render --service S --version V --image I [--strategy rolling|blue-green|canary|recreate] [--replicas N] [--live V] [--namespace NS] [--gateway [NS/]NAME[:LISTENER]] [--host H]... [--port N] [--health-path P]';

const OK = 0;
const BAD_INPUT = 2;

interface RenderIo {
  out: (text: string) => void;
  err: (line: string) => void;
}

function int(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new Error(`--${flag} must be a whole number, got ${JSON.stringify(v)}`);
  return Number(v);
}

function gateway(v: string | undefined, hosts: string[] | undefined) {
  if (v === undefined) {
    if (hosts?.length) throw new Error('--host needs --gateway (hostnames belong to the HTTPRoute)');
    return undefined;
  }
  const m = /^(?:([^/:]+)\/)?([^/:]+)(?::([^/:]+))?$/.exec(v);
  if (!m) throw new Error(`--gateway takes [NAMESPACE/]NAME[:LISTENER], got ${JSON.stringify(v)}`);
  return { name: m[2]!, ...(m[1] ? { namespace: m[1] } : {}), ...(m[3] ? { sectionName: m[3] } : {}), ...(hosts?.length ? { hostnames: hosts } : {}) };
}

/** Runs the command; `argv` may start with the words "k8s render". Returns the exit status. */
export async function k8sRender(argv: string[], io: RenderIo): Promise<number> {
  try {
    // Loaded only when rendering: no other command of the CLI needs the Kubernetes client.
    const { dumpYaml } = await import('@kubernetes/client-node');
    const { values: o, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        service: { type: 'string', short: 's' },
        version: { type: 'string', short: 'v' },
        image: { type: 'string' },
        strategy: { type: 'string' },
        replicas: { type: 'string' },
        live: { type: 'string' },
        namespace: { type: 'string' },
        gateway: { type: 'string' },
        host: { type: 'string', multiple: true },
        port: { type: 'string' },
        'health-path': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    const extra = positionals.filter((p, i) => !(i === 0 && p === 'k8s') && !(p === 'render' && i <= 1));
    if (extra.length) throw new Error(`unexpected argument ${JSON.stringify(extra[0])}`);
    if (o.help) {
      io.out(`${K8S_RENDER_USAGE}\n`);
      return OK;
    }
    for (const flag of ['service', 'version', 'image'] as const) if (!o[flag]) throw new Error(`missing --${flag}`);
    const rendered = renderFirstStep({
      service: o.service!,
      version: o.version!,
      image: o.image!,
      ...(o.strategy ? { strategy: o.strategy } : {}),
      ...(o.replicas !== undefined ? { replicas: int('replicas', o.replicas) } : {}),
      ...(o.live ? { live: o.live } : {}),
      ...(o.namespace ? { namespace: o.namespace } : {}),
      ...(o.port !== undefined ? { port: int('port', o.port) } : {}),
      ...(o['health-path'] ? { health: { path: o['health-path'] } } : {}),
      gateway: gateway(o.gateway, o.host),
    }, dumpYaml);
    io.out(rendered.yaml);
    return OK;
  } catch (e) {
    io.err(`flightdeck k8s render: ${(e as Error).message.split('\n')[0]}`);
    return BAD_INPUT;
  }
}
