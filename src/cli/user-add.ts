import { text } from 'node:stream/consumers';
import { createUser, parseCredentials } from '../auth/users.js';
import type { Config } from '../config/config.js';
import { openDatabase } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';
import { AppError } from '../http/errors.js';

/** `l4d2web user add NAME [--admin]`: the password comes from stdin (first line). */
export async function addUser(config: Config, username: string, admin: boolean): Promise<number> {
  const password = (await text(process.stdin)).split(/\r?\n/)[0] ?? '';
  const database = openDatabase(config.databaseUrl);
  try {
    await migrateToLatest(database);
    const user = await createUser(
      database.db,
      parseCredentials({ username, password }),
      admin ? 'admin' : 'user',
    );
    console.log(`created ${user.role} ${user.username} (id ${user.id})`);
    return 0;
  } catch (error) {
    if (error instanceof AppError) {
      console.error(`l4d2web: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    await database.close();
  }
}
