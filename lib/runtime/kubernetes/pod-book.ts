/**
 * What the Kubernetes runtime remembers of the pods it has seen: where each lives (for probes
 * and logs), the instance it was last listed as, and the restarts counted so far — so that a
 * container restart, seen in a list or a watch event (even one replayed after the watch was
 * down), becomes exactly one crash record for the deployment that started the pod.
 */
import type { CrashRecord, InstanceStatus } from '../types';
import { LABEL } from './names';
import type { Pod } from './objects';

interface Known {
  namespace: string;
  instance?: InstanceStatus;
  restarts: number;
}

type Crash = Omit<CrashRecord, 'seq'>;

export class PodBook {
  private readonly known = new Map<string, Known>();
  private readonly crashes: CrashRecord[] = [];
  /** Crashes of pods no list has shown yet: which deployment started them is known only from a list. */
  private readonly unowned = new Map<string, Crash[]>();
  private seq = 0;

  constructor(private readonly now: () => number) {}

  namespaceOf(pod: string): string | undefined {
    return this.known.get(pod)?.namespace;
  }

  /** The instances a list returned, so later events know their version and deployment. */
  listed(namespace: string, instances: InstanceStatus[]): void {
    for (const i of instances) {
      const k = this.known.get(i.id);
      this.known.set(i.id, { namespace, instance: i, restarts: Math.max(k?.restarts ?? 0, i.restarts ?? 0) });
      for (const c of this.unowned.get(i.id) ?? []) this.crashes.push({ ...c, seq: ++this.seq, versionId: i.versionId, deploymentId: i.deploymentId });
      this.unowned.delete(i.id);
    }
  }

  /** A pod as a list or a watch event shows it: a restart or a failure becomes a crash record. */
  seen(namespace: string, service: string, pod: Pod, deleted: boolean): void {
    const name = pod.metadata.name;
    if (deleted) {
      this.known.delete(name);
      return void this.unowned.delete(name);
    }
    const c = pod.status?.containerStatuses?.[0];
    const restarts = c?.restartCount ?? 0;
    const k = this.known.get(name);
    const before = k?.restarts ?? 0;
    const failed = pod.status?.phase === 'Failed';
    this.known.set(name, { namespace, instance: k?.instance, restarts: Math.max(before, restarts) });
    if (restarts <= before && !(failed && k?.instance?.state === 'running')) return;
    const ended = c?.lastState?.terminated ?? c?.state?.terminated;
    const labels = pod.metadata.labels ?? {};
    if (k?.instance) k.instance = { ...k.instance, state: failed ? 'exited' : 'running' };
    const crash: Crash = {
      at: Date.parse(ended?.finishedAt ?? '') || this.now(),
      service,
      instanceId: name,
      versionId: k?.instance?.versionId ?? labels[LABEL.versionId] ?? '',
      deploymentId: k?.instance?.deploymentId ?? '',
      exitCode: ended?.exitCode ?? null,
      // The platform's own words, verbatim: OOMKilled, Error, CrashLoopBackOff…
      reason: ended?.reason ?? c?.state?.waiting?.reason ?? 'restarted',
      restarted: !failed,
    };
    // Recorded once its deployment is known (the next list): a crash record always names its deployment.
    if (!k?.instance) this.unowned.set(name, [...(this.unowned.get(name) ?? []), crash]);
    else this.crashes.push({ ...crash, seq: ++this.seq });
  }

  crashesAfter(afterSeq: number): CrashRecord[] {
    return this.crashes.filter((c) => c.seq > afterSeq);
  }
}
