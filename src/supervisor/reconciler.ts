/**
 * Runs a reconcile function per key, never twice at once for one key. Triggers that arrive while a
 * key's reconcile runs are coalesced into one more run after it: a level-based reconcile looks at the
 * whole state each time, so one run after the latest trigger is all that is needed.
 */
export class KeyedReconciler {
  private readonly entries = new Map<number, { waiters: Array<() => void>; running: boolean }>();
  private closed = false;

  /**
   * @param reconcileOnce one step for a key; returns true when it changed something, so the key is
   *   looked at again right away (up to maxSteps times per trigger).
   */
  constructor(
    private readonly reconcileOnce: (key: number) => Promise<boolean>,
    private readonly onError: (key: number, error: unknown) => void,
    private readonly maxSteps = 8,
  ) {}

  /** Resolves once a reconcile of key that began after this call has finished. */
  trigger(key: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      let entry = this.entries.get(key);
      if (!entry) {
        entry = { waiters: [], running: false };
        this.entries.set(key, entry);
      }
      entry.waiters.push(resolve);
      if (!entry.running) void this.drain(key, entry);
    });
  }

  isBusy(key: number): boolean {
    return this.entries.get(key)?.running ?? false;
  }

  private async drain(key: number, entry: { waiters: Array<() => void>; running: boolean }): Promise<void> {
    entry.running = true;
    while (entry.waiters.length > 0) {
      const waiters = entry.waiters.splice(0);
      try {
        for (let step = 0; step < this.maxSteps && !this.closed; step++) {
          if (!(await this.reconcileOnce(key))) break;
        }
      } catch (error) {
        this.onError(key, error);
      }
      for (const resolve of waiters) resolve();
    }
    entry.running = false;
    this.entries.delete(key);
  }

  /** Accepts no more triggers; resolves when the running reconciles are done, or after waitMs. */
  async close(waitMs: number): Promise<void> {
    this.closed = true;
    const deadline = Date.now() + waitMs;
    while (this.entries.size > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
