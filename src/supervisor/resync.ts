import { consoleLogPath } from '../config/paths.js';
import type { DatabaseHandle } from '../db/connect.js';
import type { Clock } from './clock.js';
import { boundConsoleLog } from './console-log.js';
import { decide, type UpdateHold } from './decide.js';
import type { SupervisorOptions } from './options.js';
import { decideInput, newServerState, type ReadonlyStates, type States } from './state.js';

export interface ResyncDeps {
  readonly database: DatabaseHandle;
  readonly dataDir: string;
  readonly options: SupervisorOptions;
  readonly clock: Clock;
  readonly states: ReadonlyStates & Pick<States, 'pruneRemoved'>;
  isBusy(serverId: number): boolean;
  /** What a game install or update job asks of the servers now. */
  hold(): UpdateHold;
  /** Asks the server's reconcile to read its row and act. */
  look(serverId: number): void;
}

/**
 * Every server is looked at every resyncMs, whatever else happens (a missed trigger, a row changed or
 * deleted by another panel). It only reads: a cheap decision on each row, a reconcile where there is work.
 */
export class PeriodicResync {
  private cancel: (() => void) | undefined;
  private stopped = false;
  private passing: Promise<void> | null = null;

  constructor(private readonly deps: ResyncDeps) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.cancel?.();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.cancel = this.deps.clock.after(this.deps.options.resyncMs, () => {
      this.passing = this.pass().finally(() => {
        this.passing = null;
        this.schedule();
      });
    });
  }

  /** The pass under way, if any (tests wait for it). */
  inFlight(): Promise<void>[] {
    return this.passing ? [this.passing] : [];
  }

  /** One pass over every server. */
  private async pass(): Promise<void> {
    const { database, dataDir, options, clock, states } = this.deps;
    try {
      const rows = await database.db
        .selectFrom('servers')
        .select(['id', 'port', 'desired_state', 'actual_state', 'last_error'])
        .execute();
      const now = clock.now();
      const present = new Set<number>();
      const logsToBound: string[] = [];
      for (const row of rows) {
        present.add(row.id);
        if (states.isRemoved(row.id) || this.deps.isBusy(row.id)) continue;
        const known = states.get(row.id) ?? newServerState(row.id);
        const asRowSays = {
          ...known,
          port: row.port,
          desired: row.desired_state,
          actual: row.actual_state,
          lastError: row.last_error,
        };
        if (decide(decideInput(asRowSays, now, this.deps.hold()), options).kind !== 'none')
          this.deps.look(row.id);
        if (known.process) logsToBound.push(consoleLogPath(dataDir, row.id));
      }
      states.pruneRemoved(present, now);
      // Known servers whose row is gone: their processes must not outlive them.
      for (const id of states.ids()) if (!present.has(id)) this.deps.look(id);
      // After every decision, so none waits on the file system.
      await Promise.all(
        logsToBound.map((logPath) => boundConsoleLog(logPath, options.consoleLogMaxBytes).catch(() => false)),
      );
    } catch (error) {
      if (!this.stopped) console.error('supervisor: resync failed:', error);
    }
  }
}
