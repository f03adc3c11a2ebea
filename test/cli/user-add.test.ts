import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/connect.js';
import { Client, startTestApp, type TestApp, tempDir } from '../helpers/app.js';
import { runCli } from '../helpers/cli.js';

// The command writes the SQLite file in DATA_DIR, as on a headless install.
describe('l4d2web user add', () => {
  let dataDir: string;
  let t: TestApp | undefined;
  beforeEach(() => {
    dataDir = tempDir();
  });
  afterEach(async () => {
    await t?.close();
    t = undefined;
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const databaseUrl = () => path.join(dataDir, 'l4d2web.sqlite');
  async function users() {
    const database = openDatabase(databaseUrl());
    try {
      return await database.db
        .selectFrom('users')
        .select(['username', 'role', 'password_hash'])
        .orderBy('id')
        .execute();
    } finally {
      await database.close();
    }
  }

  it('creates a user, or an admin with --admin, from the password on stdin', async () => {
    const carol = await runCli(['user', 'add', 'carol'], { DATA_DIR: dataDir }, 'carol password 1\n');
    expect(carol.stderr).toBe('');
    expect(carol.status).toBe(0);
    expect(carol.stdout).toMatch(/created user carol/);
    const dave = await runCli(['user', 'add', 'dave', '--admin'], { DATA_DIR: dataDir }, 'dave password 1');
    expect(dave.status).toBe(0);
    expect(dave.stdout).toMatch(/created admin dave/);
    expect((await users()).map(({ username, role }) => ({ username, role }))).toEqual([
      { username: 'carol', role: 'user' },
      { username: 'dave', role: 'admin' },
    ]);
    expect((await users())[0]?.password_hash).toMatch(/^\$argon2id\$/);

    // The panel then signs carol in with that password (not with the line break).
    t = await startTestApp({ databaseUrl: databaseUrl() });
    const login = await new Client(t.app, 'json').post('/login', {
      username: 'carol',
      password: 'carol password 1',
    });
    expect(login.statusCode).toBe(200);
    expect(login.json()).toMatchObject({ username: 'carol', role: 'user' });
  });

  it.each([
    ['a bad name', ['user', 'add', 'x'], 'long password', /username/],
    ['a short password', ['user', 'add', 'carol'], 'short', /password/],
    ['no password', ['user', 'add', 'carol'], '', /password/],
  ])('exits 1 with a message for %s, adding nobody', async (_what, args, input, message) => {
    const result = await runCli(args, { DATA_DIR: dataDir }, input);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(await users()).toEqual([]);
  });

  it('exits 1 with "username already taken" for a second carol', async () => {
    expect((await runCli(['user', 'add', 'carol'], { DATA_DIR: dataDir }, 'carol password 1')).status).toBe(
      0,
    );
    const again = await runCli(['user', 'add', 'carol'], { DATA_DIR: dataDir }, 'carol password 2');
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('username already taken');
  });
});
