import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, type Dialect as KyselyDialect, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { changeTrackingPlugin, DatabaseChanges, trackChanges, trackCommits } from './changes.js';
import { NamingClient } from './named-statements.js';
import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

export interface DatabaseHandle {
  db: Kysely<Database>;
  dialect: Dialect;
  close(): Promise<void>;
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** The database for logs and messages: a postgres URL loses its password, a path stays as it is. */
export function describeDatabase(url: string): string {
  if (!isPostgresUrl(url)) return url;
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

export interface OpenOptions {
  /** PostgreSQL pool size (default 10). */
  poolMax?: number;
  /** An idle pooled connection failed (server restart, killed backend); the pool replaces it. */
  onPoolError?: (error: Error) => void;
}

/** Opens SQLite (a file path, WAL, foreign keys on) or PostgreSQL (a postgres:// URL). */
export function openDatabase(url: string, options: OpenOptions = {}): DatabaseHandle {
  if (isPostgresUrl(url)) {
    // COUNT(*) and BIGINT come back as strings by default; our ids and counts fit in a JS number.
    pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
    const pool = new pg.Pool({ connectionString: url, max: options.poolMax ?? 10, Client: NamingClient });
    // Without a listener, an idle client's error (e.g. the server restarting) would end the process.
    pool.on(
      'error',
      options.onPoolError ??
        ((error) =>
          console.error(`database ${describeDatabase(url)}: idle connection failed: ${error.message}`)),
    );
    return tracked(new PostgresDialect({ pool }), 'postgres');
  }
  fs.mkdirSync(path.dirname(path.resolve(url)), { recursive: true });
  const sqlite = new SQLite(url);
  sqlite.pragma('journal_mode = WAL');
  // In WAL mode NORMAL syncs at checkpoints, not at every commit: never a corrupt file, and only a
  // power cut (not a crash of the panel) can lose the last commits. FULL made each write wait for the disk.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  cachePreparedStatements(sqlite);
  return tracked(new SqliteDialect({ database: sqlite }), 'sqlite');
}

/** The database, its writes counted (src/db/changes.ts) for what is kept from it. */
function tracked(kyselyDialect: KyselyDialect, dialect: Dialect): DatabaseHandle {
  const changes = new DatabaseChanges();
  const db = new Kysely<Database>({
    dialect: trackCommits(kyselyDialect, changes),
    plugins: [changeTrackingPlugin(changes)],
  });
  trackChanges(db, changes);
  return { db, dialect, close: () => db.destroy() };
}

/** Prepared statements kept, by SQL text: far more than the panel's distinct queries. */
const MAX_STATEMENTS = 500;

/**
 * Kysely's SQLite driver prepares every query's SQL anew (better-sqlite3's prepare() was the largest
 * single cost of a request): keep each statement by its SQL text and hand it out again. One query
 * runs at a time on the one connection (Kysely's mutex), so a statement is never used twice at once;
 * SQLite re-prepares a kept statement itself after a schema change.
 */
function cachePreparedStatements(sqlite: SQLite.Database): void {
  const statements = new Map<string, SQLite.Statement>();
  const prepare = sqlite.prepare.bind(sqlite);
  sqlite.prepare = ((sql: string) => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = prepare(sql);
      // Queries with a varying number of values (`in (?, ?, ...)`) would otherwise grow it forever.
      if (statements.size >= MAX_STATEMENTS) statements.clear();
      statements.set(sql, statement);
    }
    return statement;
  }) as typeof sqlite.prepare;
}
