import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { isRunning, readProcStat } from '../os/proc.js';
import { isPostgresUrl } from './connect.js';

/** A second panel on a SQLite database in use: the one line it exits with (hardening.md). */
export class DatabaseInUseError extends Error {
  constructor(
    readonly holderPid: number | null,
    databasePath: string,
  ) {
    super(`another l4d2web (pid ${holderPid ?? 'unknown'}) is using ${databasePath}`);
  }
}

/**
 * The lock files this process holds, with their connections: a second panel in the same process is
 * refused without a try, and a held connection is never garbage-collected (which would close it and
 * so free the lock) whoever keeps the DatabaseFileLock.
 */
const heldHere = new Map<string, SQLite.Database>();

const createHolder =
  'CREATE TABLE IF NOT EXISTS holder (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL)';
const writeHolder =
  'INSERT INTO holder (id, pid) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET pid = excluded.pid';

/**
 * One panel per SQLite database, for the life of the process. Node has no flock, so the lock is
 * SQLite's own: `<database>.lock` is a tiny SQLite file whose `holder` row names the holder's pid,
 * and the holder keeps a `BEGIN IMMEDIATE` transaction open on it until it closes. SQLite takes
 * that RESERVED lock with a POSIX record lock, which the kernel drops on any exit, SIGKILL included;
 * and RESERVED still lets the next panel read the pid it reports. SQLite also tracks its locks per
 * file within one process, so a second panel in the same process is refused too.
 *
 * The lock file sits beside the database (not in DATA_DIR), so two panels on one database file are
 * refused whatever their DATA_DIR.
 */
export class DatabaseFileLock {
  private constructor(
    private readonly file: string,
    private connection: SQLite.Database | null,
  ) {}

  /** The lock of a SQLite database; none for PostgreSQL (its panels share it: src/db/lock.ts). */
  static acquireFor(databaseUrl: string): DatabaseFileLock | undefined {
    if (isPostgresUrl(databaseUrl) || databaseUrl === ':memory:') return undefined;
    return DatabaseFileLock.acquire(databaseUrl);
  }

  /**
   * Takes the lock of the SQLite database at databasePath, or throws DatabaseInUseError naming the
   * holder. Two panels starting at the same moment may both see the lock free for an instant; they
   * retry for up to waitMs until one holds it with its own pid recorded.
   */
  static acquire(databasePath: string, waitMs = 2_000): DatabaseFileLock {
    const shown = path.resolve(databasePath);
    const file = lockFileOf(shown);
    if (heldHere.has(file)) throw new DatabaseInUseError(process.pid, shown);
    const connection = new SQLite(file, { timeout: 0 });
    try {
      const deadline = Date.now() + waitMs;
      for (;;) {
        const outcome = tryToHold(connection);
        if (outcome === 'held') break;
        // A live holder other than us is an answer; a dead or missing one means a start under way.
        const answer = outcome !== null && outcome !== process.pid && isRunning(readProcStat(outcome));
        if (answer || Date.now() > deadline) throw new DatabaseInUseError(outcome, shown);
        sleepSync(20);
      }
    } catch (error) {
      connection.close();
      throw error;
    }
    heldHere.set(file, connection);
    return new DatabaseFileLock(file, connection);
  }

  get isHeld(): boolean {
    return this.connection !== null;
  }

  /** Ends the transaction: the next panel may start. The file stays (another may have it open). */
  release(): void {
    this.connection?.close();
    this.connection = null;
    heldHere.delete(this.file);
  }
}

/** `<database>.lock`, with symlinks resolved so that two spellings of one file share one lock. */
function lockFileOf(databasePath: string): string {
  const directory = path.dirname(databasePath);
  fs.mkdirSync(directory, { recursive: true });
  let real: string;
  try {
    real = fs.realpathSync(databasePath);
  } catch {
    real = path.join(fs.realpathSync(directory), path.basename(databasePath));
  }
  return `${real}.lock`;
}

/** 'held' once our pid is recorded and our transaction open; otherwise the recorded holder's pid. */
function tryToHold(connection: SQLite.Database): 'held' | number | null {
  if (!begin(connection)) return recordedPid(connection);
  if (recordedPid(connection) === process.pid) return 'held';
  // Record our pid (visible to others only once committed), then take the lock again for good.
  connection.exec(createHolder);
  connection.prepare(writeHolder).run(process.pid);
  connection.exec('COMMIT');
  if (!begin(connection)) return recordedPid(connection);
  if (recordedPid(connection) === process.pid) return 'held';
  // Another panel recorded itself in between: try again.
  connection.exec('ROLLBACK');
  return null;
}

/** BEGIN IMMEDIATE: false when another connection holds the lock. */
function begin(connection: SQLite.Database): boolean {
  try {
    connection.exec('BEGIN IMMEDIATE');
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_BUSY') return false;
    throw error;
  }
}

function recordedPid(connection: SQLite.Database): number | null {
  try {
    const row = connection.prepare('SELECT pid FROM holder WHERE id = 1').get() as
      | { pid: number }
      | undefined;
    return row?.pid ?? null;
  } catch {
    // No holder table yet, or a holder committing its pid right now.
    return null;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
