/**
 * Follows a namespace's pods through a watch that survives being dropped: when the stream ends
 * (an API server restart, a load balancer timeout, a network blip) or answers 410 Gone, it
 * lists the pods again and resumes watching from that list, after a short pause. Every pod it
 * sees, from a list or an event, goes to `onPod`; the caller compares with what it saw before,
 * so nothing that happened while disconnected is missed.
 */
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import type { KubeClient } from './client';
import { PODS, resourcePath } from './client';
import type { Pod } from './objects';

export interface PodWatcherOptions {
  namespace: string;
  labelSelector: string;
  /** Pause before re-listing after the stream ends (ms). */
  retryMs: number;
  onPod: (pod: Pod, deleted: boolean) => void;
  onError?: (e: unknown) => void;
}

export class PodWatcher {
  private abort: AbortController | null = null;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  /** Times the watch was (re)established. */
  connections = 0;
  /** The first list has been seen. */
  synced = false;
  /** Since when (epoch ms) no watch stream has been open; null while one is. */
  downSince: number | null = null;
  /** Why the last stream ended or could not be opened. */
  lastError = '';

  constructor(
    private readonly kc: KubeConfig,
    private readonly client: KubeClient,
    private readonly opts: PodWatcherOptions,
  ) {}

  start(): void {
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.abort?.abort();
  }

  private retry(e?: unknown): void {
    if (this.stopped) return;
    this.downSince ??= Date.now();
    const status = (e as { statusCode?: number } | undefined)?.statusCode;
    this.lastError = e ? `${status ? `${status} ` : ''}${(e as Error).message || String(e)}` : 'the API server closed the watch';
    if (e) this.opts.onError?.(e);
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.run();
    }, this.opts.retryMs);
    this.timer.unref?.();
  }

  private async run(): Promise<void> {
    if (this.stopped) return;
    try {
      const { items, resourceVersion } = await this.client.list<Pod>({ ...PODS, namespace: this.opts.namespace }, this.opts.labelSelector);
      for (const pod of items) this.opts.onPod(pod, false);
      this.synced = true;
      if (this.stopped) return;
      let ended = false;
      const path = resourcePath({ ...PODS, namespace: this.opts.namespace });
      this.abort = await new Watch(this.kc).watch(
        path,
        { resourceVersion, labelSelector: this.opts.labelSelector, allowWatchBookmarks: false },
        (type, obj) => {
          // 410 Gone and other errors arrive as an ERROR event: start over from a fresh list.
          if (type === 'ERROR') return this.abort?.abort();
          this.opts.onPod(obj as Pod, type === 'DELETED');
        },
        (err) => {
          if (ended) return;
          ended = true;
          this.retry(err ?? undefined);
        },
      );
      // A refused watch has already ended (and scheduled its retry) by the time it resolves.
      if (!ended) {
        this.connections++;
        this.downSince = null;
      }
    } catch (e) {
      this.retry(e);
    }
  }
}
