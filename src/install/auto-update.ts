import type { Install } from './control.js';
import type { Installer } from './installer.js';
import { JobAlreadyRunning } from './store.js';

export type AutoUpdatePolicy = 'off' | 'when-empty' | 'now';

export interface AutoUpdateOptions {
  /** UPDATE_CHECK_HOURS in ms; 0: no periodic check (checks on demand still count). */
  checkEveryMs: number;
  /** AUTO_UPDATE. */
  policy: AutoUpdatePolicy;
  /** Whether every running server reports 0 players over A2S (a failed query: not empty). */
  serversEmpty(): Promise<boolean>;
  /** when-empty: how often the players are asked while an update waits. */
  emptyPollMs: number;
  /** The first periodic check, at the earliest this long after start (when the last one is older). */
  firstCheckMs: number;
  log: { info(message: string): void; error(message: string): void };
  /** What else refreshes with the periodic check (the Workshop's addons, design/addons.md). */
  alsoRefresh?: () => Promise<unknown>;
}

export const DEFAULT_EMPTY_POLL_MS = 30_000;
export const DEFAULT_FIRST_CHECK_MS = 60_000;

/**
 * Asks Steam for new builds every UPDATE_CHECK_HOURS (counted from the last check, which the database
 * keeps), and acts on any check that finds one as AUTO_UPDATE says: `now` starts the update at
 * once, `when-empty` once every running server reports nobody playing. Runs only in the panel that
 * supervises (src/panel.ts starts and stops it with the lease).
 */
export class AutoUpdater {
  private timer: NodeJS.Timeout | undefined;
  private waiting: NodeJS.Timeout | undefined;
  private stopped = true;
  private unlisten: () => void = () => {};

  constructor(
    private readonly installer: Installer,
    private readonly options: AutoUpdateOptions,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    this.unlisten = this.installer.onChecked((install) => this.found(install));
    if (this.options.checkEveryMs <= 0) return;
    const { checked_at } = await this.installer.snapshot();
    const since = checked_at ? Date.now() - Date.parse(checked_at) : Number.POSITIVE_INFINITY;
    this.schedule(Math.max(this.options.firstCheckMs, this.options.checkEveryMs - since));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.waiting);
    this.waiting = undefined;
    this.unlisten();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    // setTimeout holds at most ~24.8 days; a longer wait is taken in steps.
    this.timer = setTimeout(() => void this.periodic(), Math.min(delayMs, 2 ** 31 - 1));
    this.timer.unref();
  }

  private async periodic(): Promise<void> {
    try {
      await this.installer.check();
    } catch (error) {
      this.options.log.error(`update check failed: ${(error as Error).message}`);
    }
    try {
      await this.options.alsoRefresh?.();
    } catch (error) {
      this.options.log.error(`Workshop refresh failed: ${(error as Error).message}`);
    }
    this.schedule(this.options.checkEveryMs);
  }

  /** A check has finished: an update found is started now, or once the servers are empty. */
  private found(install: Install): void {
    if (this.stopped || this.options.policy === 'off' || install.update_available !== true) return;
    if (this.waiting !== undefined) return;
    if (this.options.policy === 'now') {
      void this.update(`build ${install.remote_buildid} is out`);
      return;
    }
    this.options.log.info(`build ${install.remote_buildid} is out: updating once every server is empty`);
    const poll = async () => {
      this.waiting = undefined;
      if (this.stopped) return;
      if (await this.options.serversEmpty().catch(() => false)) {
        await this.update('every server is empty');
        return;
      }
      this.waiting = setTimeout(() => void poll(), this.options.emptyPollMs);
      this.waiting.unref();
    };
    this.waiting = setTimeout(() => void poll(), 0);
  }

  private async update(why: string): Promise<void> {
    if (this.stopped) return;
    try {
      const job = await this.installer.start();
      this.options.log.info(`automatic update (${why}): job ${job.id}`);
    } catch (error) {
      if (!(error instanceof JobAlreadyRunning))
        this.options.log.error(`automatic update failed: ${(error as Error).message}`);
    }
  }
}
