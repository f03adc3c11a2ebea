import type { Dialect } from '../../src/db/connect.js';
import { tempDir } from './app.js';

/** Every dialect a database-touching test runs on: `describe.each(testDialects())`. */
export function testDialects(): Dialect[] {
  return ['sqlite'];
}

/** A DATABASE_URL for a fresh, empty database of the dialect. */
export async function freshDatabaseUrl(dialect: Dialect, dataDir = tempDir()): Promise<string> {
  if (dialect === 'sqlite') return `${dataDir}/l4d2web.sqlite`;
  throw new Error('postgres test databases are not set up yet');
}
