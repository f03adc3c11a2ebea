import { type Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import type { Database } from '../../src/db/schema.js';
import { dropDatabase, freshDatabaseUrl } from '../helpers/dialects.js';

const at = '2024-01-01T00:00:00.000Z';

/** The statements this connection keeps by name (the pool holds one connection). */
async function namedStatements(db: Kysely<Database>): Promise<string[]> {
  const { rows } = await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(db);
  return rows.map((row) => row.statement);
}

describe('PostgreSQL statements sent under a name (src/db/named-statements.ts)', () => {
  let url: string;
  let handle: DatabaseHandle;
  beforeEach(async () => {
    url = await freshDatabaseUrl('postgres');
    handle = openDatabase(url, { poolMax: 1 });
    await migrateToLatest(handle);
    await handle.db
      .insertInto('users')
      .values({ username: 'alice', password_hash: 'x', role: 'user', created_at: at })
      .execute();
  });
  afterEach(async () => {
    await handle.close();
    await dropDatabase(url);
  });

  const usernameOf = (db: Kysely<Database>, id: number) =>
    db.selectFrom('users').select('username').where('id', '=', id).executeTakeFirst();

  it('keeps a query with values by name on its connection, once however often it runs', async () => {
    for (let run = 0; run < 3; run++) expect(await usernameOf(handle.db, 1)).toEqual({ username: 'alice' });
    const kept = (await namedStatements(handle.db)).filter((text) => text.includes('select "username"'));
    expect(kept).toHaveLength(1);
  });

  it('names nothing inside a transaction', async () => {
    await handle.db.transaction().execute(async (trx) => {
      expect(await trx.selectFrom('users').select('role').where('id', '=', 1).executeTakeFirst()).toEqual({
        role: 'user',
      });
    });
    expect((await namedStatements(handle.db)).filter((text) => text.includes('select "role"'))).toEqual([]);
  });

  it('still answers a `select *` kept from before its table changed, with the new column', async () => {
    const everything = () => handle.db.selectFrom('users').selectAll().where('id', '=', 1).executeTakeFirst();
    expect(await everything()).not.toHaveProperty('nickname');
    await sql`alter table users add column nickname text default 'ally'`.execute(handle.db);
    expect(await everything()).toMatchObject({ username: 'alice', nickname: 'ally' });
    expect(await everything()).toMatchObject({ nickname: 'ally' });
  });

  it('still answers when the server lost the statement (a pooler handing over another connection)', async () => {
    expect(await usernameOf(handle.db, 1)).toEqual({ username: 'alice' });
    await sql`deallocate all`.execute(handle.db);
    expect(await usernameOf(handle.db, 1)).toEqual({ username: 'alice' });
    expect(await usernameOf(handle.db, 2)).toBeUndefined();
  });

  it('keeps at most 256 texts, however many distinct ones run', async () => {
    for (let n = 0; n < 300; n++) {
      const { rows } = await sql<{ sum: number }>`select ${n}::integer + ${sql.lit(n)} as sum`.execute(
        handle.db,
      );
      expect(rows).toEqual([{ sum: 2 * n }]);
    }
    expect((await namedStatements(handle.db)).length).toBeLessThanOrEqual(256);
  });
});
