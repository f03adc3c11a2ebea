import { boundConsoleLog } from './console-log.js';
import { consoleLogPath } from './paths.js';
import { decisionFor, type Slots, type SupervisorContext } from './state.js';

/** Every server is looked at every resyncMs, whatever else happens (a missed trigger, a row changed elsewhere). */
export class PeriodicResync {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly ctx: SupervisorContext,
    private readonly slots: Slots,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.pass(), this.ctx.options.resyncMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One pass over every server: a cheap in-memory decision each, a reconcile only where there is work. */
  private async pass(): Promise<void> {
    const { config, database, options, reconciler } = this.ctx;
    if (this.running || this.ctx.isClosed()) return;
    this.running = true;
    try {
      const rows = await database.db
        .selectFrom('servers')
        .select(['id', 'port', 'desired_state', 'actual_state', 'last_error'])
        .execute();
      const now = Date.now();
      const present = new Set<number>();
      const logsToBound: string[] = [];
      for (const row of rows) {
        present.add(row.id);
        if (this.slots.removed.has(row.id)) continue;
        const slot = this.slots.of(row.id);
        if (reconciler.isBusy(row.id)) continue;
        slot.desired = row.desired_state;
        slot.actual = row.actual_state;
        slot.lastError = row.last_error;
        slot.port = row.port;
        if (decisionFor(slot, options, now).kind !== 'none') void reconciler.trigger(row.id);
        if (slot.handle) logsToBound.push(consoleLogPath(config.dataDir, row.id));
      }
      const { removed } = this.slots;
      for (const [id, at] of removed) if (!present.has(id) || now - at > 60_000) removed.delete(id);
      for (const id of this.slots.ids()) if (!present.has(id)) void reconciler.trigger(id);
      // After every decision, so none waits on the file system.
      await Promise.all(
        logsToBound.map((logPath) => boundConsoleLog(logPath, options.consoleLogMaxBytes).catch(() => false)),
      );
    } catch (error) {
      if (!this.ctx.isClosed()) console.error('supervisor: resync failed:', error);
    } finally {
      this.running = false;
    }
  }
}
