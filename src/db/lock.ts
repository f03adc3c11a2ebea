import pg from 'pg';
import { describeDatabase, isPostgresUrl } from './connect.js';
import type { DatabaseFileLock } from './file-lock.js';

/**
 * The right to supervise game servers, held by one panel per database at a time.
 *
 * - SQLite: held while this panel holds the database file's lock (`fileLock`, src/db/file-lock.ts),
 *   which it takes before anything else: a second panel on the file exits instead of waiting.
 * - PostgreSQL: a session-level advisory lock, `pg_try_advisory_lock(LOCK_SPACE, SUPERVISION)`,
 *   taken on a dedicated connection held open (not a pooled one: the lock belongs to the session).
 *   A panel that does not get it serves the UI only and tries again every `retryMs`; when the
 *   holder's session ends (close, crash, killed connection), the server drops the lock and the next
 *   try succeeds. The holder checks every `checkMs` that its session still holds the lock; a failed
 *   check or a broken connection means the lease is lost (`onLost`), and it goes back to trying.
 *
 * A session that holds the lock before we asked did not get it from us: a pooler sharing server
 * sessions between clients (PgBouncer in transaction mode, or PGlite's single session) would
 * otherwise grant it twice, since advisory locks are re-entrant within a session. So the lock is
 * only taken when our session does not hold it already.
 */
export const LOCK_SPACE = 0x6c346432; // 'l4d2'
export const SUPERVISION = 1;

const heldByMe = `EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted
  AND pid = pg_backend_pid() AND classid = ${LOCK_SPACE} AND objid = ${SUPERVISION} AND objsubid = 2)`;
const tryLock = `SELECT CASE WHEN ${heldByMe} THEN false
  ELSE pg_try_advisory_lock(${LOCK_SPACE}, ${SUPERVISION}) END AS acquired`;
const stillHeld = `SELECT ${heldByMe} AS held`;
const unlock = `SELECT pg_advisory_unlock(${LOCK_SPACE}, ${SUPERVISION})`;

export interface LeaseOptions {
  /** Called once the lease is held: start supervising. */
  onAcquired: () => Promise<void> | void;
  /** Called when a held lease is lost: stop supervising at once. */
  onLost?: () => Promise<void> | void;
  /** SQLite: the database file's lock this panel holds; the lease is held with it. */
  fileLock?: DatabaseFileLock;
  /** How often a panel without the lease tries again (default 3 s). */
  retryMs?: number;
  /** How often the holder checks it still holds it (default 5 s). */
  checkMs?: number;
  log?: { info(message: string): void; warn(message: string): void; error(message: string): void };
}

export class SupervisionLease {
  private held = false;
  private closed = false;
  private client: pg.Client | null = null;
  private timer: NodeJS.Timeout | undefined;
  /** The step under way (a try, a check, a callback): release() waits for it. */
  private step: Promise<void> = Promise.resolve();

  private constructor(
    private readonly databaseUrl: string,
    private readonly options: LeaseOptions,
  ) {}

  /** Starts trying for the lease; resolves after the first try (held or not). */
  static async acquire(databaseUrl: string, options: LeaseOptions): Promise<SupervisionLease> {
    const lease = new SupervisionLease(databaseUrl, options);
    await lease.run(() => lease.tick());
    return lease;
  }

  /** Whether this panel supervises now. */
  get isHeld(): boolean {
    return this.held;
  }

  /** Stops trying and checking, after the step under way; a held lock stays held. */
  async stop(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.step;
  }

  /** Gives the lock back (call once the supervisor has stopped): another panel may take over. */
  async release(): Promise<void> {
    await this.stop();
    const client = this.client;
    this.client = null;
    this.held = false;
    if (!client) return;
    // Ending the session frees the lock; unlocking first also frees it where sessions are shared.
    await client.query(unlock).catch(() => {});
    await client.end().catch(() => {});
  }

  private run(work: () => Promise<void>): Promise<void> {
    this.step = this.step.then(work).catch((error) => this.options.log?.error(`supervision lease: ${error}`));
    return this.step;
  }

  private schedule(): void {
    if (this.closed) return;
    const delay = this.held ? (this.options.checkMs ?? 5_000) : (this.options.retryMs ?? 3_000);
    this.timer = setTimeout(() => void this.run(() => this.tick()), delay);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.closed) return;
    try {
      if (!isPostgresUrl(this.databaseUrl)) {
        // SQLite: no other panel can run on the file while we hold its lock; nothing to check.
        if (!this.held && this.options.fileLock?.isHeld) await this.gain();
        else if (!this.held) throw new Error('a SQLite panel supervises only while it holds the file lock');
        return;
      }
      if (this.held) await this.check();
      else await this.tryToGain();
    } finally {
      if (isPostgresUrl(this.databaseUrl) || !this.held) this.schedule();
    }
  }

  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client;
    const client = new pg.Client({ connectionString: this.databaseUrl, keepAlive: true });
    client.on('error', (error) => {
      // A broken connection: its session (and any lock it held) is gone or going.
      if (this.client === client) this.client = null;
      if (this.held && !this.closed) void this.run(() => this.lose(`connection failed: ${error.message}`));
    });
    client.on('end', () => {
      if (this.client === client) this.client = null;
      if (this.held && !this.closed) void this.run(() => this.lose('connection ended'));
    });
    await client.connect();
    this.client = client;
    return client;
  }

  private async tryToGain(): Promise<void> {
    let acquired = false;
    try {
      const client = await this.connection();
      acquired = (await client.query<{ acquired: boolean }>(tryLock)).rows[0]?.acquired === true;
    } catch (error) {
      this.options.log?.warn(
        `supervision lease: cannot reach ${describeDatabase(this.databaseUrl)}: ${(error as Error).message}`,
      );
      await this.dropConnection();
      return;
    }
    if (acquired && !this.closed) await this.gain();
    else if (acquired) await this.client?.query(unlock).catch(() => {});
  }

  private async gain(): Promise<void> {
    this.held = true;
    this.options.log?.info('supervision lease acquired: this panel supervises the game servers');
    try {
      await this.options.onAcquired();
    } catch (error) {
      await this.lose(`starting the supervisor failed: ${(error as Error).message}`);
    }
  }

  private async check(): Promise<void> {
    let held = false;
    try {
      const client = await this.connection();
      held = (await client.query<{ held: boolean }>(stillHeld)).rows[0]?.held === true;
    } catch (error) {
      await this.lose(`check failed: ${(error as Error).message}`);
      return;
    }
    if (!held) await this.lose('the lock is no longer held by this panel');
  }

  private async lose(reason: string): Promise<void> {
    if (!this.held) return;
    this.held = false;
    this.options.log?.error(`supervision lease lost (${reason}): this panel stops supervising`);
    try {
      await this.options.onLost?.();
    } finally {
      // Whatever is left of the session must not keep a lock another panel would wait for.
      if (isPostgresUrl(this.databaseUrl)) {
        await this.client?.query(unlock).catch(() => {});
        await this.dropConnection();
      }
    }
  }

  private async dropConnection(): Promise<void> {
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }
}
