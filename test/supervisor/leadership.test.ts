import fs from 'node:fs';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { LOCK_SPACE, SUPERVISION } from '../../src/db/lock.js';
import { type Panel, startPanel } from '../../src/panel.js';
import {
  Client,
  createBlueprint,
  createServer,
  openStream,
  password,
  signUp,
  tempDir,
} from '../helpers/app.js';
import { dropDatabase, freshDatabaseUrl, postgresKind } from '../helpers/dialects.js';
import { sleep, waitFor } from '../helpers/supervisor.js';

const lease = { retryMs: 100, checkMs: 100 };
const panels: Panel[] = [];
const dirs: string[] = [];
const databases: string[] = [];

async function panelOn(databaseUrl: string): Promise<Panel> {
  const dataDir = tempDir();
  dirs.push(dataDir);
  const config = loadConfig({ DATA_DIR: dataDir, DATABASE_URL: databaseUrl, PORT: '0', LOG_LEVEL: 'silent' });
  const panel = await startPanel(config, {}, lease);
  panels.push(panel);
  return panel;
}

async function closePanel(panel: Panel): Promise<void> {
  panels.splice(panels.indexOf(panel), 1);
  await panel.close();
}

/** Ends the database session holding this database's supervision lock, as a crash or a killed connection would. */
async function killLeaseSession(url: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const { rows } = await admin.query(
      // Only this database's lock: tests running beside this one (on the same server) hold their own.
      `SELECT pg_terminate_backend(pid) AS killed FROM pg_locks
        WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND granted
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [LOCK_SPACE, SUPERVISION],
    );
    expect(rows).toEqual([{ killed: true }]);
  } finally {
    await admin.end();
  }
}

/** A database of its own on the test server, dropped after the test. */
async function freshPostgres(): Promise<string> {
  const url = await freshDatabaseUrl('postgres');
  databases.push(url);
  return url;
}

const eventually = (check: () => boolean) => waitFor(check, { timeoutMs: 10_000 });

afterEach(async () => {
  for (const panel of panels.splice(0)) await panel.close();
  for (const url of databases.splice(0)) await dropDatabase(url);
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe(`supervision lease on one PostgreSQL database (${postgresKind()})`, () => {
  it('lets one of two panels supervise; the other serves the UI and takes over when the first closes', async () => {
    const url = await freshPostgres();
    const first = await panelOn(url);
    const second = await panelOn(url);
    expect(first.supervising).toBe(true);
    expect(second.supervising).toBe(false);
    // Many retries later, still only one.
    await sleep(600);
    expect([first.supervising, second.supervising]).toEqual([true, false]);

    // Both serve the same panel: an account made on one signs in on the other.
    await signUp(first.app, 'alice');
    const login = await new Client(second.app, 'json').post('/login', { username: 'alice', password });
    expect(login.statusCode).toBe(200);
    expect((await fetch(`${second.url}/healthz`)).status).toBe(200);

    await closePanel(first);
    await eventually(() => second.supervising);

    // And a third panel now waits for the second.
    const third = await panelOn(url);
    await sleep(400);
    expect([second.supervising, third.supervising]).toEqual([true, false]);
  });

  // The lock belongs to the holder's database session: when the session dies (a crashed panel, a
  // killed connection) the server frees it. PGlite has a single session shared by every connection,
  // so only a real server can end one session and not the others.
  it.skipIf(postgresKind() === 'pglite')(
    'takes over when the holder loses its session, and the holder stops supervising',
    async () => {
      const url = await freshPostgres();
      const first = await panelOn(url);
      const second = await panelOn(url);
      expect([first.supervising, second.supervising]).toEqual([true, false]);
      const original = first.supervisor;
      await killLeaseSession(url);
      // The holder notices and stops its supervisor (a stopped one is replaced by a fresh, idle one).
      await eventually(() => first.supervisor !== original);
      // Then exactly one of the two supervises again (either may win the lock), the other waits.
      await eventually(() => first.supervising !== second.supervising);
      await sleep(400);
      expect(first.supervising).not.toBe(second.supervising);
      const [holder, waiting] = first.supervising ? [first, second] : [second, first];
      expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
      await closePanel(holder);
      await eventually(() => waiting.supervising);
    },
  );

  it.skipIf(postgresKind() === 'pglite')(
    'keeps an open event stream live across a lost and regained lease (it follows the new supervisor)',
    async () => {
      const url = await freshPostgres();
      const panel = await panelOn(url);
      const alice = await signUp(panel.app, 'alice');
      const blueprint = await createBlueprint(alice);
      const serverId = await createServer(alice, { name: 'Alpha', port: 27015, blueprint_id: blueprint });
      const stream = openStream<{ type: string; desired_state?: string }>(
        `${panel.url}/events`,
        alice.cookieHeader,
      );
      expect(await stream.ready).toBe(200);
      const original = panel.supervisor;
      await killLeaseSession(url);
      await eventually(() => panel.supervisor !== original && panel.supervising);
      // The new supervisor records the start (the game is not installed: it fails at once).
      expect((await alice.post(`/servers/${serverId}/start`)).statusCode).toBe(202);
      await eventually(() =>
        stream.events.some((event) => event.type === 'state' && event.desired_state === 'running'),
      );
      stream.close();
    },
  );
});

describe('supervision lease on SQLite', () => {
  it('is held with the database file lock: one database file, one panel (test/db/file-lock.test.ts)', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    const panel = await panelOn(await freshDatabaseUrl('sqlite', dataDir));
    expect(panel.supervising).toBe(true);
  });
});
