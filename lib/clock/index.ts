/**
 * Time is injected. Production uses the system clock; tests drive a ManualClock so that
 * 300-second analysis windows and lease TTLs are checked without waiting.
 */
export interface Clock {
  /** epoch milliseconds */
  now(): number;
  /** Resolves once `ms` of this clock's time has passed. */
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/** A clock that only moves when told to; sleepers wake as time passes their deadline. */
export class ManualClock implements Clock {
  private t: number;
  private sleepers: Array<{ until: number; resolve: () => void }> = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => this.sleepers.push({ until: this.t + ms, resolve }));
  }

  /** Move time forward, waking every sleeper whose deadline has passed. */
  advance(ms: number): void {
    this.t += ms;
    const due = this.sleepers.filter((s) => s.until <= this.t);
    this.sleepers = this.sleepers.filter((s) => s.until > this.t);
    for (const s of due) s.resolve();
  }

  /** Time of the earliest pending sleeper, if any. */
  nextWake(): number | null {
    return this.sleepers.length ? Math.min(...this.sleepers.map((s) => s.until)) : null;
  }
}
