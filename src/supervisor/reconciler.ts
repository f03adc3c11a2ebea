import { type Clock, systemClock } from './clock.js';

/** What a reconcile step tells the reconciler (controller-runtime's `Result`). */
export interface ReconcileResult {
  /** It changed something: look again at once. */
  again?: boolean;
  /** Look again after this many ms unless something triggers it sooner (a backoff or a timeout ends). */
  requeueAfter?: number;
}

export interface ReconcilerOptions {
  clock?: Clock;
  /** How long to wait before retrying a key whose step threw, for its n-th failure in a row. */
  retryAfter(failures: number): number;
  onError(key: number, error: unknown): void;
  /** Steps in a row that may ask to look again (a bound on a policy that never settles). */
  maxSteps?: number;
  /** Hold every post until resume() (the supervisor adopts its servers first). */
  paused?: boolean;
}

interface Entry<M> {
  messages: M[];
  waiters: Array<() => void>;
  running: boolean;
}

/**
 * Runs a reconcile step per key, never two at once for one key. Messages posted for a key (requests,
 * observations) go to its next step; posts that arrive while it runs get one more run after it, which
 * is all a level-based step needs. The reconciler owns the timers: a step says when it wants to run
 * again (`requeueAfter`, the latest answer wins), and a step that throws is retried with backoff.
 */
export class KeyedReconciler<M> {
  private readonly entries = new Map<number, Entry<M>>();
  private readonly requeues = new Map<number, () => void>();
  private readonly failures = new Map<number, number>();
  private readonly clock: Clock;
  private idleWaiters: Array<() => void> = [];
  private paused: boolean;
  private closed = false;

  constructor(
    private readonly step: (key: number, messages: M[]) => Promise<ReconcileResult>,
    private readonly options: ReconcilerOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.paused = options.paused ?? false;
  }

  /** Hands `message` (if any) to the key's next step; resolves once a step that began after this call has finished. */
  post(key: number, message?: M): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      let entry = this.entries.get(key);
      if (!entry) {
        entry = { messages: [], waiters: [], running: false };
        this.entries.set(key, entry);
      }
      if (message !== undefined) entry.messages.push(message);
      entry.waiters.push(resolve);
      if (!entry.running && !this.paused) void this.drain(key, entry);
    });
  }

  /** A look at the key with nothing new to tell. */
  trigger(key: number): Promise<void> {
    return this.post(key);
  }

  /** Runs what was posted while paused. */
  resume(): void {
    this.paused = false;
    for (const [key, entry] of this.entries) if (!entry.running) void this.drain(key, entry);
  }

  isBusy(key: number): boolean {
    return this.entries.get(key)?.running ?? false;
  }

  /** True while a step runs or waits to run. */
  hasWork(): boolean {
    return this.entries.size > 0;
  }

  /** Resolves once no step runs or waits to run (timers may still be set). */
  idle(): Promise<void> {
    if (this.entries.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Accepts no more posts and cancels the timers; resolves when the running steps are done, or after waitMs. */
  async close(waitMs: number): Promise<void> {
    this.closed = true;
    for (const cancel of this.requeues.values()) cancel();
    this.requeues.clear();
    for (const [key, entry] of this.entries) {
      if (entry.running) continue;
      for (const resolve of entry.waiters.splice(0)) resolve();
      this.entries.delete(key);
    }
    this.tellIdle();
    // A timer of our own (not the clock's, which may be fake or never keep the process alive), so a
    // panel that is closing waits for the steps under way.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.idle(), new Promise((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
  }

  private async drain(key: number, entry: Entry<M>): Promise<void> {
    entry.running = true;
    while (entry.waiters.length > 0 && !this.closed) {
      const waiters = entry.waiters.splice(0);
      let result: ReconcileResult = {};
      try {
        for (let step = 0; step < (this.options.maxSteps ?? 8) && !this.closed; step++) {
          result = await this.step(key, entry.messages.splice(0));
          if (!result.again) break;
        }
        this.failures.delete(key);
      } catch (error) {
        this.options.onError(key, error);
        const failures = (this.failures.get(key) ?? 0) + 1;
        this.failures.set(key, failures);
        result = { requeueAfter: this.options.retryAfter(failures) };
      }
      this.requeue(key, result.requeueAfter);
      for (const resolve of waiters) resolve();
    }
    for (const resolve of entry.waiters.splice(0)) resolve();
    entry.running = false;
    this.entries.delete(key);
    this.tellIdle();
  }

  private tellIdle(): void {
    if (this.entries.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** One timer per key: the latest step's answer replaces the one before. */
  private requeue(key: number, afterMs: number | undefined): void {
    this.requeues.get(key)?.();
    this.requeues.delete(key);
    if (afterMs === undefined || this.closed) return;
    const cancel = this.clock.after(afterMs, () => {
      this.requeues.delete(key);
      void this.post(key);
    });
    this.requeues.set(key, cancel);
  }
}
