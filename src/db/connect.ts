import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
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
    const pool = new pg.Pool({ connectionString: url, max: options.poolMax ?? 10 });
    // Without a listener, an idle client's error (e.g. the server restarting) would end the process.
    pool.on(
      'error',
      options.onPoolError ??
        ((error) =>
          console.error(`database ${describeDatabase(url)}: idle connection failed: ${error.message}`)),
    );
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect: 'postgres', close: () => db.destroy() };
  }
  fs.mkdirSync(path.dirname(path.resolve(url)), { recursive: true });
  const sqlite = new SQLite(url);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}
