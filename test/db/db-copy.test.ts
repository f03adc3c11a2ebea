import fs from 'node:fs';
import { TOTP } from 'otpauth';
import { afterEach, describe, expect, it } from 'vitest';
import { copyDatabase, DbCopyError } from '../../src/cli/db-copy.js';
import { openDatabase } from '../../src/db/connect.js';
import { migrateTo } from '../../src/db/migrate.js';
import {
  Client,
  createApiToken,
  createBlueprint,
  createServer,
  logIn,
  signUp,
  snapshot,
  startTestApp,
  type TestApp,
  tempDir,
  tokenClient,
} from '../helpers/app.js';
import { runCli } from '../helpers/cli.js';
import { dropDatabase, freshDatabaseUrl, postgresKind } from '../helpers/dialects.js';

const apps: TestApp[] = [];
const databases: string[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  for (const url of databases.splice(0)) await dropDatabase(url);
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function started(options: Parameters<typeof startTestApp>[0]): Promise<TestApp> {
  const app = await startTestApp(options);
  apps.push(app);
  return app;
}

async function emptyPostgres(): Promise<string> {
  const url = await freshDatabaseUrl('postgres');
  databases.push(url);
  return url;
}

/**
 * A SQLite panel with two users, sessions, blueprints and servers (and their ports), an API token, a
 * member, and two-factor sign-in with its recovery codes.
 */
async function populatedSqlite() {
  const source = await started({ dialect: 'sqlite', env: { ALLOW_REGISTRATION: 'true' } });
  const alice = await signUp(source.app, 'alice');
  const bob = await signUp(source.app, 'bob', 'form');
  await logIn(source.app, 'alice');
  const coop = await createBlueprint(alice, {
    name: 'coop',
    arguments: ['-tickrate', '60'],
    config: ['sv_cheats 0'],
  });
  await createBlueprint(alice, { name: 'versus' });
  const alpha = await createServer(alice, { name: 'alpha', port: 27015, blueprint_id: coop });
  await createServer(alice, { name: 'beta', port: 27115, blueprint_id: coop });
  const token = await createApiToken(alice, 'write');
  await alice.post(`/servers/${alpha}/members`, { username: 'bob', permissions: ['control'] });
  const bobScript = await logIn(source.app, 'bob');
  const { secret } = (await bobScript.post('/account/totp')).json();
  expect(
    (await bobScript.post('/account/totp/confirm', { code: new TOTP({ secret }).generate() })).statusCode,
  ).toBe(200);
  // A deleted row leaves a gap in the ids: the copy keeps ids as they are.
  const gone = await createServer(alice, { name: 'gone', port: 27215, blueprint_id: coop });
  expect((await alice.delete(`/servers/${gone}`)).statusCode).toBe(204);
  return { source, alice, bob, token };
}

describe(`db copy: SQLite to PostgreSQL (${postgresKind()})`, () => {
  it('copies every row, keeps ids and sessions, and the copy serves the same panel', async () => {
    const { source, alice, token } = await populatedSqlite();
    const target = await emptyPostgres();
    const before = await snapshot(source.database);

    const copied = await copyDatabase(source.config.databaseUrl, target);
    // Every table is copied; the capabilities' own tables are empty in this panel.
    const counts = Object.fromEntries(copied.map(({ table, rows }) => [table, rows]));
    const filled = {
      users: 2,
      sessions: before.sessions.length,
      blueprints: 2,
      servers: 2,
      server_ports: 4,
      install_jobs: 0,
      install_job_lines: 0,
      install_status: 0,
      api_tokens: 1,
      server_members: 1,
      user_totp: 1,
      recovery_codes: 10,
      // Every request above that changed something, and each sign-in.
      audit_log: (await source.database.db.selectFrom('audit_log').select('id').execute()).length,
    };
    // Tables of other capabilities (addons, ...) are copied too, empty here.
    expect(counts).toEqual({
      ...Object.fromEntries(Object.keys(counts).map((table) => [table, 0])),
      ...filled,
    });
    // Parents before children.
    const order = copied.map((c) => c.table);
    expect(order.indexOf('users')).toBeLessThan(order.indexOf('blueprints'));
    expect(order.indexOf('servers')).toBeLessThan(order.indexOf('server_ports'));

    const copy = await started({ databaseUrl: target });
    expect(copy.database.dialect).toBe('postgres');
    expect(await snapshot(copy.database)).toEqual(before);

    // Log in on the copy; and alice's existing session cookie works there too.
    const again = await logIn(copy.app, 'alice');
    const servers = (await again.get('/servers')).json().servers;
    expect(servers.map((s: { name: string }) => s.name).sort()).toEqual(['alpha', 'beta']);
    const carried = new Client(copy.app, 'json');
    carried.cookies = new Map(alice.cookies);
    expect((await carried.get('/blueprints')).statusCode).toBe(200);
    // And so does the API token.
    expect((await tokenClient(copy.app, token).get('/servers')).statusCode).toBe(200);

    // Sequences were moved past the copied ids: new rows get fresh ids, no clash.
    expect(before.servers.map((s) => s.id)).toEqual([1, 2]);
    const newServer = await createServer(again, {
      name: 'gamma',
      port: 27315,
      blueprint_id: before.blueprints[0]?.id ?? 0,
    });
    // Past the largest copied id (2) and past "gone" (3), whose row is gone: ids are never reused.
    expect(newServer).toBe(4);
    const newBlueprint = await createBlueprint(again, { name: 'survival' });
    expect(newBlueprint).toBe(3);
    // The copy keeps the constraints: a taken port is still 409.
    const clash = await again.post('/servers', { name: 'delta', port: 27015, blueprint_id: newBlueprint });
    expect(clash.statusCode).toBe(409);
    expect(clash.json().error).toBe('port already in use');
  });

  it('refuses a target that is not empty, changing nothing', async () => {
    const { source } = await populatedSqlite();
    const target = await emptyPostgres();
    await copyDatabase(source.config.databaseUrl, target);
    const handle = openDatabase(target);
    try {
      const before = await snapshot(handle);
      await expect(copyDatabase(source.config.databaseUrl, target)).rejects.toThrow(
        /target database is not empty \(.*users has 2 rows.*\)/,
      );
      await expect(copyDatabase(source.config.databaseUrl, target)).rejects.toBeInstanceOf(DbCopyError);
      expect(await snapshot(handle)).toEqual(before);
    } finally {
      await handle.close();
    }
  });

  it('refuses a SQLite database with pending migrations', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    const sqliteUrl = await freshDatabaseUrl('sqlite', dataDir);
    const old = openDatabase(sqliteUrl);
    await migrateTo(old, '001-initial');
    await old.close();
    await expect(copyDatabase(sqliteUrl, await emptyPostgres())).rejects.toThrow(
      /pending migrations .*l4d2web migrate/,
    );
  });

  it('runs as `l4d2web db copy --to URL`, and says why it refuses', async () => {
    const { source } = await populatedSqlite();
    const target = await emptyPostgres();
    const env = { DATA_DIR: source.dataDir, DATABASE_URL: source.config.databaseUrl };
    const done = await runCli(['db', 'copy', '--to', target], env);
    expect(done.stderr).toBe('');
    expect(done.status).toBe(0);
    expect(done.stdout).toMatch(/copied .*users: 2, /);
    expect(done.stdout).toMatch(/server_ports: 4(, |.*\(row counts match\))/);
    expect(done.stdout).toContain('(row counts match)');
    const refused = await runCli(['db', 'copy', '--to', target], env);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(
      /^l4d2web: db copy failed, no rows were copied: the target database is not empty/,
    );
    const noUrl = await runCli(['db', 'copy'], env);
    expect(noUrl.status).toBe(2);
  });
});
