import fs from 'node:fs';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Config } from '../config/config.js';
import { type DatabaseHandle, describeDatabase, isPostgresUrl, openDatabase } from '../db/connect.js';
import { migrateToLatest, pendingMigrations } from '../db/migrate.js';

export class DbCopyError extends Error {}

/** Tables and columns are discovered at run time, so queries are not typed by the schema. */
// biome-ignore lint/suspicious/noExplicitAny: the copy handles whatever tables exist
type Dynamic = Kysely<any>;
// biome-ignore lint/suspicious/noExplicitAny: as above
type DynamicTrx = Transaction<any>;

export interface CopiedTable {
  table: string;
  rows: number;
}

/** Kysely's own bookkeeping: the target gets it from its migrations, not from the copy. */
const isBookkeeping = (table: string) => table.startsWith('kysely_');

/** Rows per INSERT: well under PostgreSQL's 65535 bound parameters for any of our tables. */
const CHUNK = 500;

/** The SQLite tables, parents before children (foreign keys), so every insert finds its parent. */
async function tablesInDependencyOrder(db: Dynamic): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
    ORDER BY name`.execute(db);
  const tables = rows.map((row) => row.name).filter((name) => !isBookkeeping(name));
  const parents = new Map<string, Set<string>>();
  for (const table of tables) {
    const keys = await sql<{ table: string }>`SELECT "table" FROM pragma_foreign_key_list(${table})`.execute(
      db,
    );
    parents.set(table, new Set(keys.rows.map((key) => key.table).filter((parent) => parent !== table)));
  }
  const ordered: string[] = [];
  while (ordered.length < tables.length) {
    const ready = tables.filter(
      (table) =>
        !ordered.includes(table) && [...(parents.get(table) ?? [])].every((p) => ordered.includes(p)),
    );
    if (ready.length === 0)
      throw new DbCopyError('the tables reference each other in a cycle; cannot order the copy');
    ordered.push(...ready);
  }
  return ordered;
}

async function postgresTables(db: Dynamic): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    SELECT table_name AS name FROM information_schema.tables
     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`.execute(db);
  return rows.map((row) => row.name);
}

async function countRows(db: Dynamic, table: string): Promise<number> {
  const { rows } = await sql<{ n: number | string }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(
    db,
  );
  return Number(rows[0]?.n ?? 0);
}

/** Tables that hold rows (Kysely's bookkeeping aside): a target with any is not empty. */
async function rowsAlreadyThere(db: Dynamic): Promise<string[]> {
  const found: string[] = [];
  for (const table of await postgresTables(db)) {
    if (isBookkeeping(table)) continue;
    const rows = await countRows(db, table);
    if (rows > 0) found.push(`${table} has ${rows} row${rows === 1 ? '' : 's'}`);
  }
  return found;
}

async function postgresColumns(db: Dynamic, table: string) {
  const { rows } = await sql<{ name: string; serial: boolean }>`
    SELECT column_name AS name, (column_default LIKE 'nextval(%' OR is_identity = 'YES') AS serial
      FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ${table}`.execute(
    db,
  );
  return rows;
}

/**
 * After explicit ids, the next generated id must come after the largest copied one, and after the
 * largest SQLite ever handed out (AUTOINCREMENT never reuses the id of a deleted row; neither may we).
 */
async function resetSequences(trx: DynamicTrx, table: string, columns: string[], usedUpTo: number) {
  for (const column of columns) {
    const largest = sql`COALESCE((SELECT MAX(${sql.ref(column)}) FROM ${sql.table(table)}), 0)`;
    const next = sql`GREATEST(${largest}, ${usedUpTo}) + 1`;
    await sql`SELECT setval(pg_get_serial_sequence(${table}, ${column}), ${next}, false)`.execute(trx);
  }
}

/** The largest id SQLite's AUTOINCREMENT handed out, per table (sqlite_sequence). */
async function autoincrementHighWater(db: Dynamic): Promise<Map<string, number>> {
  const exists = await sql<{ n: number }>`
    SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'`.execute(db);
  if (Number(exists.rows[0]?.n ?? 0) === 0) return new Map();
  const { rows } = await sql<{ name: string; seq: number }>`SELECT name, seq FROM sqlite_sequence`.execute(
    db,
  );
  return new Map(rows.map((row) => [row.name, Number(row.seq)]));
}

interface TableData {
  table: string;
  rows: Record<string, unknown>[];
  /** The largest id SQLite handed out for it (0 when unknown). */
  usedUpTo: number;
}

/**
 * Copies every row of a SQLite panel database into an empty PostgreSQL database, in one
 * transaction: the target is migrated to the latest schema first, tables are filled parents first,
 * serial sequences are moved past the copied ids, and the row counts of both sides must match
 * before it commits. Refuses a target that holds any rows, and a source with pending migrations.
 */
export async function copyDatabase(sourceUrl: string, targetUrl: string): Promise<CopiedTable[]> {
  if (!isPostgresUrl(targetUrl)) throw new DbCopyError('--to must be a postgres:// URL');
  if (isPostgresUrl(sourceUrl)) {
    throw new DbCopyError(
      'DATABASE_URL is already PostgreSQL; db copy moves a SQLite database to PostgreSQL',
    );
  }
  if (!fs.existsSync(sourceUrl)) throw new DbCopyError(`no SQLite database at ${sourceUrl} (check DATA_DIR)`);

  const source = openDatabase(sourceUrl);
  let target: DatabaseHandle | undefined;
  try {
    const pending = await pendingMigrations(source);
    if (pending.length > 0) {
      const names = pending.join(', ');
      throw new DbCopyError(
        `the SQLite database has pending migrations (${names}); run \`l4d2web migrate\` first`,
      );
    }
    target = openDatabase(targetUrl, { poolMax: 2 });
    const to = target.db as Dynamic;
    const present = await rowsAlreadyThere(to);
    if (present.length > 0) {
      throw new DbCopyError(
        `the target database is not empty (${present.join(', ')}); db copy fills an empty one`,
      );
    }
    await migrateToLatest(target);

    // One consistent read of the source (a SQLite transaction sees one snapshot).
    const data = await (source.db as Dynamic).transaction().execute(async (trx) => {
      const highWater = await autoincrementHighWater(trx);
      const read: TableData[] = [];
      for (const table of await tablesInDependencyOrder(trx)) {
        const rows = await trx.selectFrom(table).selectAll().execute();
        read.push({ table, rows, usedUpTo: highWater.get(table) ?? 0 });
      }
      return read;
    });

    const targetTables = new Set(await postgresTables(to));
    const plan: (TableData & { serial: string[] })[] = [];
    for (const item of data) {
      const { table, rows } = item;
      if (!targetTables.has(table)) throw new DbCopyError(`the target has no table ${table} after migrating`);
      const columns = await postgresColumns(to, table);
      const names = new Set(columns.map((column) => column.name));
      const missing = Object.keys(rows[0] ?? {}).filter((column) => !names.has(column));
      if (missing.length > 0) {
        throw new DbCopyError(`the target's ${table} lacks column(s) ${missing.join(', ')}`);
      }
      plan.push({ ...item, serial: columns.filter((c) => c.serial).map((c) => c.name) });
    }

    return await to.transaction().execute(async (trx) => {
      const copied: CopiedTable[] = [];
      for (const { table, rows, usedUpTo, serial } of plan) {
        // Checked again inside the transaction: nothing may have arrived since.
        if ((await countRows(trx, table)) > 0)
          throw new DbCopyError(`the target's ${table} is no longer empty`);
        for (let start = 0; start < rows.length; start += CHUNK) {
          await trx
            .insertInto(table)
            .values(rows.slice(start, start + CHUNK))
            .execute();
        }
        await resetSequences(trx, table, serial, usedUpTo);
        const written = await countRows(trx, table);
        if (written !== rows.length) {
          const counts = `${rows.length} in SQLite, ${written} in PostgreSQL`;
          throw new DbCopyError(`row counts differ for ${table}: ${counts}`);
        }
        copied.push({ table, rows: written });
      }
      return copied;
    });
  } finally {
    await target?.close();
    await source.close();
  }
}

/** `l4d2web db copy --to postgres://...`: the configured (SQLite) database into an empty PostgreSQL one. */
export async function dbCopyCommand(config: Config, to: string | undefined): Promise<number> {
  if (!to) {
    console.error('usage: l4d2web db copy --to postgres://USER:PASSWORD@HOST:PORT/DATABASE');
    return 2;
  }
  console.log(`copying ${describeDatabase(config.databaseUrl)} to ${describeDatabase(to)}`);
  try {
    const copied = await copyDatabase(config.databaseUrl, to);
    console.log(
      `copied ${copied.map(({ table, rows }) => `${table}: ${rows}`).join(', ')} (row counts match)`,
    );
    console.log(`now start the panel with DATABASE_URL=${describeDatabase(to)}`);
    return 0;
  } catch (error) {
    // A refused connection to "localhost" is an AggregateError with an empty message.
    const { message, code } = error as { message?: string; code?: string };
    console.error(`l4d2web: db copy failed, no rows were copied: ${message || code || String(error)}`);
    return 1;
  }
}
