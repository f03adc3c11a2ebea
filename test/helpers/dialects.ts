/**
 * The databases tests run on. Every database-touching test runs on both dialects:
 * - SQLite: a file in the test's data directory.
 * - PostgreSQL: a brand-new database per call. With TEST_DATABASE_URL (CI: a throwaway cluster that
 *   .ci/run starts) it is `CREATE DATABASE` on that server. Without it, an in-process PGlite served
 *   over the wire protocol by @electric-sql/pglite-socket, so the `pg` driver path still runs.
 *
 * PGlite notes (read in node_modules/@electric-sql/pglite-socket/src/index.ts and measured):
 * - PGlite is one backend. ./pglite-server.ts serves it to several connections, each owning it for a
 *   whole exchange or transaction (see there why not pglite-socket's own scheduler). So a pg pool of
 *   many connections works, but its queries are serialized (no real concurrency), and every
 *   connection shares one session (advisory locks included).
 * - PGlite ignores the database name of the connection, so one instance cannot hold several test
 *   databases. Each fresh database is therefore its own PGlite instance, on its own ephemeral port.
 *   initdb takes ~3 s; loading a data directory dumped right after initdb takes ~0.5-1 s, so the dump
 *   is cached in the temp dir. Instances given back by dropDatabase() are wiped and reused by the
 *   next fresh database of the same worker (a wipe takes ~60 ms).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { type DatabaseHandle, type Dialect, openDatabase } from '../../src/db/connect.js';
import { tempDir } from './app.js';
import { PgliteServer } from './pglite-server.js';

/** Every dialect a database-touching test runs on: `describe.each(testDialects())`. */
export function testDialects(): Dialect[] {
  return ['sqlite', 'postgres'];
}

/** What runs PostgreSQL tests here: a real server (TEST_DATABASE_URL) or in-process PGlite. */
export function postgresKind(): 'server' | 'pglite' {
  return process.env.TEST_DATABASE_URL ? 'server' : 'pglite';
}

/** How to throw away each database handed out, by URL. */
const cleanups = new Map<string, () => Promise<void>>();
let counter = 0;

function uniqueName(): string {
  counter += 1;
  return `l4d2web_test_${process.pid}_${counter}_${Math.random().toString(36).slice(2, 8)}`;
}

/** A DATABASE_URL for a fresh, empty database of the dialect. Give it back with dropDatabase(). */
export async function freshDatabaseUrl(dialect: Dialect, dataDir = tempDir()): Promise<string> {
  if (dialect === 'sqlite') return `${dataDir}/l4d2web.sqlite`;
  const serverUrl = process.env.TEST_DATABASE_URL;
  return serverUrl ? createServerDatabase(serverUrl) : createPgliteDatabase();
}

/** A fresh database of the dialect, opened, in a folder of its own; `close()` closes, drops and removes it. */
export interface FreshDatabase {
  url: string;
  handle: DatabaseHandle;
  dataDir: string;
  close(): Promise<void>;
}

export async function openFreshDatabase(dialect: Dialect): Promise<FreshDatabase> {
  const dataDir = tempDir();
  const url = await freshDatabaseUrl(dialect, dataDir);
  const handle = openDatabase(url);
  return {
    url,
    handle,
    dataDir,
    async close() {
      await handle.close();
      await dropDatabase(url);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Drops a database freshDatabaseUrl() made (a no-op for SQLite, whose file goes with its dir). */
export async function dropDatabase(url: string): Promise<void> {
  const cleanup = cleanups.get(url);
  cleanups.delete(url);
  await cleanup?.();
}

// ---------- a real server ----------

async function withAdminClient<T>(serverUrl: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

async function createServerDatabase(serverUrl: string): Promise<string> {
  const name = uniqueName();
  await withAdminClient(serverUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  cleanups.set(databaseUrl, async () => {
    // FORCE (PostgreSQL 13+) ends connections a test left open.
    await withAdminClient(serverUrl, (client) =>
      client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
    );
  });
  return databaseUrl;
}

// ---------- in-process PGlite ----------

/** Instances whose database was dropped, ready to be wiped and handed out again. */
const idleInstances: PGlite[] = [];
let template: Promise<Blob> | undefined;

/** A data directory dumped right after initdb, cached across test files in the temp dir. */
function templateDataDir(): Promise<Blob> {
  template ??= (async () => {
    const require = createRequire(import.meta.url);
    const packageJson = path.join(
      path.dirname(require.resolve('@electric-sql/pglite')),
      '..',
      'package.json',
    );
    const version = JSON.parse(fs.readFileSync(packageJson, 'utf8')).version as string;
    const file = path.join(os.tmpdir(), `l4d2web-pglite-${version}-initdb.tar`);
    if (fs.existsSync(file)) return new Blob([fs.readFileSync(file)]);
    const db = await PGlite.create();
    const dump = await db.dumpDataDir('none');
    await db.close();
    // Two workers may race here: each writes its own file and renames it into place.
    const partial = `${file}.${process.pid}.partial`;
    fs.writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    fs.renameSync(partial, file);
    return dump;
  })();
  return template;
}

/** Makes a used instance as good as new: no schemas, no session state, no advisory locks. */
async function wipe(db: PGlite): Promise<void> {
  if (db.isInTransaction()) await db.exec('ROLLBACK');
  await db.exec('DISCARD ALL');
  const { rows } = await db.query<{ nspname: string }>(
    `SELECT nspname FROM pg_namespace
      WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\\_%'`,
  );
  for (const { nspname } of rows) await db.exec(`DROP SCHEMA "${nspname}" CASCADE`);
  await db.exec('CREATE SCHEMA public');
}

async function createPgliteDatabase(): Promise<string> {
  const reused = idleInstances.pop();
  let db: PGlite;
  if (reused) {
    db = reused;
    await wipe(db);
  } else {
    db = await PGlite.create({ loadDataDir: await templateDataDir() });
  }
  // A new port each time: a pool a previous test left open cannot reach this database.
  const server = new PgliteServer(db);
  const port = await server.start();
  const databaseUrl = `postgres://postgres@127.0.0.1:${port}/${uniqueName()}`;
  cleanups.set(databaseUrl, async () => {
    await server.stop();
    idleInstances.push(db);
  });
  return databaseUrl;
}
