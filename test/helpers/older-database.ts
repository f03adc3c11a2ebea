import { afterEach, beforeEach } from 'vitest';
import type { DatabaseHandle, Dialect } from '../../src/db/connect.js';
import { migrateTo } from '../../src/db/migrate.js';
import { type FreshDatabase, openFreshDatabase } from './dialects.js';

export const OLD_TIMESTAMP = '2024-01-01T00:00:00.000Z';

/**
 * Brings a fresh database to 002-unique-ports and fills it as that code did: user 1 (alice, admin),
 * blueprint 1 (coop) and server 1 (alpha on 27015, running). A later migration's test runs on it.
 */
export async function seedAt002(handle: DatabaseHandle): Promise<void> {
  await migrateTo(handle, '002-unique-ports');
  const { db } = handle;
  const at = OLD_TIMESTAMP;
  await db
    .insertInto('users')
    .values({ username: 'alice', password_hash: 'x', role: 'admin', created_at: at })
    .execute();
  await db
    .insertInto('blueprints')
    .values({ user_id: 1, name: 'coop', arguments: '[]', config: '[]', created_at: at, updated_at: at })
    .execute();
  await db
    .insertInto('servers')
    .values({
      user_id: 1,
      blueprint_id: 1,
      name: 'alpha',
      port: 27015,
      desired_state: 'running',
      actual_state: 'running',
      last_error: '',
      rcon_password: 'pw',
      created_at: at,
      updated_at: at,
    })
    .execute();
}

/**
 * For each test of the enclosing block: a fresh database of the dialect, brought to 002 and filled by
 * seedAt002(), closed and dropped afterwards. The handle is read through the returned object.
 */
export function eachTestAt002(dialect: Dialect): { readonly handle: DatabaseHandle } {
  let fresh: FreshDatabase | undefined;
  beforeEach(async () => {
    fresh = await openFreshDatabase(dialect);
    await seedAt002(fresh.handle);
  });
  afterEach(() => fresh?.close());
  return {
    get handle() {
      if (!fresh) throw new Error('eachTestAt002: no test is running');
      return fresh.handle;
    },
  };
}
