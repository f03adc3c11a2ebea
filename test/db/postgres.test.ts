import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DatabaseHandle, describeDatabase } from '../../src/db/connect.js';
import { foreignKeyViolation, type UniqueIndex, uniqueViolation } from '../../src/db/constraint-violation.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import type { Database } from '../../src/db/schema.js';
import { signUp, startTestApp } from '../helpers/app.js';
import { type FreshDatabase, openFreshDatabase, testDialects } from '../helpers/dialects.js';

const at = '2024-01-01T00:00:00.000Z';

/** A complete servers row. */
const server = (name: string, port: number) => ({
  user_id: 1,
  blueprint_id: 1,
  name,
  port,
  desired_state: 'stopped' as const,
  actual_state: 'unknown' as const,
  last_error: '',
  rcon_password: 'pw',
  created_at: at,
  updated_at: at,
});

async function refusal(write: Promise<unknown>): Promise<unknown> {
  try {
    await write;
  } catch (error) {
    return error;
  }
  throw new Error('the database accepted the write');
}

async function seed(db: Kysely<Database>) {
  await db
    .insertInto('users')
    .values({ username: 'alice', password_hash: 'x', role: 'admin', created_at: at })
    .execute();
  await db
    .insertInto('blueprints')
    .values({ user_id: 1, name: 'coop', arguments: '[]', config: '[]', created_at: at, updated_at: at })
    .execute();
  await db.insertInto('servers').values(server('alpha', 27015)).execute();
  await db.insertInto('server_ports').values({ port: 27015, server_id: 1, purpose: 'game' }).execute();
}

describe.each(testDialects())('the database refuses, and we recognise it (%s)', (dialect) => {
  let fresh: FreshDatabase;
  let handle: DatabaseHandle;
  beforeEach(async () => {
    fresh = await openFreshDatabase(dialect);
    handle = fresh.handle;
    await migrateToLatest(handle);
    await seed(handle.db);
  });
  afterEach(() => fresh.close());

  const duplicates: [UniqueIndex, (db: Kysely<Database>) => Promise<unknown>][] = [
    [
      'users_username_unique',
      (db) =>
        db
          .insertInto('users')
          .values({ username: 'alice', password_hash: 'y', role: 'user', created_at: at })
          .execute(),
    ],
    [
      'blueprints_user_name_unique',
      (db) =>
        db
          .insertInto('blueprints')
          .values({ user_id: 1, name: 'coop', arguments: '[]', config: '[]', created_at: at, updated_at: at })
          .execute(),
    ],
    ['servers_name_unique', (db) => db.insertInto('servers').values(server('alpha', 28015)).execute()],
    ['servers_port_unique', (db) => db.insertInto('servers').values(server('beta', 27015)).execute()],
    [
      'server_ports_port_unique',
      (db) =>
        db.insertInto('server_ports').values({ port: 27015, server_id: 1, purpose: 'client' }).execute(),
    ],
  ];

  it.each(duplicates)('names the unique index %s', async (index, write) => {
    const error = await refusal(write(handle.db));
    expect(uniqueViolation(error)).toBe(index);
    expect(foreignKeyViolation(error)).toBe(false);
  });

  it('recognises a unique violation inside a transaction, which is then rolled back', async () => {
    const error = await refusal(
      handle.db.transaction().execute(async (trx) => {
        await trx.insertInto('servers').values(server('beta', 27115)).execute();
        await trx
          .insertInto('server_ports')
          .values({ port: 27015, server_id: 2, purpose: 'client' })
          .execute();
      }),
    );
    expect(uniqueViolation(error)).toBe('server_ports_port_unique');
    expect(await handle.db.selectFrom('servers').select('name').execute()).toEqual([{ name: 'alpha' }]);
  });

  it('recognises a foreign key violation, and nothing else as a unique one', async () => {
    const error = await refusal(handle.db.deleteFrom('blueprints').where('id', '=', 1).execute());
    expect(foreignKeyViolation(error)).toBe(true);
    expect(uniqueViolation(error)).toBeNull();
    expect(uniqueViolation(new Error('something else'))).toBeNull();
  });
});

/** Every conflict the routes answer, in one run; the answers must be the same on both dialects. */
async function conflictAnswers(dialect: 'sqlite' | 'postgres') {
  const t = await startTestApp({ dialect, env: { ALLOW_REGISTRATION: 'true' } });
  try {
    const alice = await signUp(t.app, 'alice');
    const answers: unknown[] = [];
    // Ids are left out: PostgreSQL's sequences are not transactional, so refused inserts leave gaps.
    const note = async (response: Promise<{ statusCode: number; json(): { id?: number } }>) => {
      const r = await response;
      const { id, ...body } = r.json();
      answers.push([r.statusCode, id === undefined ? body : 'created']);
      return id;
    };
    await note(alice.post('/register', { username: 'alice', password: 'correct horse battery' }));
    await note(alice.post('/blueprints', { name: 'coop' }));
    await note(alice.post('/blueprints', { name: 'coop' }));
    await note(alice.post('/servers', { name: 'alpha', port: 27015, blueprint_id: 1 }));
    await note(alice.post('/servers', { name: 'alpha', port: 27115, blueprint_id: 1 }));
    await note(alice.post('/servers', { name: 'beta', port: 27015, blueprint_id: 1 }));
    await note(alice.post('/servers', { name: 'beta', port: 27025, blueprint_id: 1 }));
    const beta = await note(alice.post('/servers', { name: 'beta', port: 27115, blueprint_id: 1 }));
    await note(alice.patch(`/servers/${beta}`, { port: 27005 }));
    await note(alice.patch(`/servers/${beta}`, { name: 'alpha' }));
    await note(alice.request('DELETE', '/blueprints/1'));
    return answers;
  } finally {
    await t.close();
  }
}

describe('the same 409s on both dialects', () => {
  it('answers every conflict identically on SQLite and PostgreSQL', async () => {
    const sqlite = await conflictAnswers('sqlite');
    const postgres = await conflictAnswers('postgres');
    expect(postgres).toEqual(sqlite);
    expect(sqlite).toEqual([
      [409, { error: 'username already taken' }],
      [201, 'created'],
      [409, { error: 'blueprint name already in use' }],
      [201, 'created'],
      [409, { error: 'name already in use' }],
      [409, expect.objectContaining({ error: 'port already in use' })],
      [
        409,
        expect.objectContaining({
          error: 'port already in use: port 27015 is the game port of server "alpha"',
        }),
      ],
      [201, 'created'],
      [
        409,
        expect.objectContaining({
          error: 'port already in use: port 27005 is the client port of server "alpha"',
        }),
      ],
      [409, { error: 'name already in use' }],
      [409, { error: 'blueprint is used by 2 servers' }],
    ]);
  });
});

describe('describeDatabase', () => {
  it('hides a postgres password and leaves a SQLite path alone', () => {
    expect(describeDatabase('postgres://panel:s3cret@db.example:5432/l4d2web')).toBe(
      'postgres://panel:***@db.example:5432/l4d2web',
    );
    expect(describeDatabase('postgres://panel@db.example/l4d2web')).toBe(
      'postgres://panel@db.example/l4d2web',
    );
    expect(describeDatabase('/var/lib/l4d2web/l4d2web.sqlite')).toBe('/var/lib/l4d2web/l4d2web.sqlite');
  });
});
